using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using CostClient = FleetProfiler.Protocol.V1.Cost.CostClient;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler cost report</c>: what a service's endpoints cost over a range, by each basis.</summary>
public sealed class CostReportCommand : ToolCommand
{
    public override string Name => "cost report";
    public override string Summary => "what each endpoint of a service cost over a range (by requests, CPU and allocations)";

    public override string Help => $$"""
        Usage: fleetprofiler cost report --service S [--since D | --from T [--to T]] [--basis B] [--limit N]

        Prints one row per endpoint, costliest first by the basis: USD (by the basis, in cents that add up to the
        total), $/MIN, $/1K REQ, REQUESTS, CPU% (share of CPU samples), BY REQUESTS, BY CPU, BY ALLOC (the cost by
        each basis side by side), TEAM, ENDPOINT; then what no endpoint is charged ([not in a request],
        [not attributed], [no data]); then the total, the range, the basis, the windows behind the CPU and
        allocation shares, and each month's rate. Each minute is charged at its own month's rate (fleetprofiler cost
        set); a month without input charges nothing and is named on stderr.

          --service S        the service (required)
        {{RangeHelp}}
          --basis B          requests (default: each minute by its requests, the classic method), cpu or alloc
                             (each UTC day by the CPU samples or allocated bytes of its profiling windows)
          --limit N          at most N endpoint rows (default all, up to 1000)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), .. RangeOptions, new("--basis"), new("--limit")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var range = Range(context, o);
        var reply = await new CostClient(context.Gateway.Channel).EndpointCostsAsync(new EndpointCostsRequest
        {
            Service = o.Required("--service"),
            From = Timestamp.FromDateTimeOffset(range.From),
            To = Timestamp.FromDateTimeOffset(range.To),
            Basis = o.OneOf("--basis", "requests", "cpu", "alloc") ?? "requests",
            Limit = o.Int("--limit", 1, 1000) ?? 0,
        }, context.Call());

        var table = new TextTable(("USD", true), ("$/MIN", true), ("$/1K REQ", true), ("REQUESTS", true), ("CPU%", true),
            ("BY REQUESTS", true), ("BY CPU", true), ("BY ALLOC", true), ("TEAM", false), ("ENDPOINT", false));
        foreach (var e in reply.Endpoints.Append(reply.NotInRequest).Append(reply.NotAttributed).Append(reply.NoData))
        {
            if (e.Endpoint.StartsWith('[') && e.CentsByRequests == 0 && e.CentsByCpu == 0 && e.CentsByAlloc == 0 && e.Requests == 0 && e.CpuSamples == 0) continue;
            table.Add(CostText.Cents(e.Cents), CostFormat.Usd(e.UsdPerMinute, 4), e.HasUsdPerThousandRequests ? CostFormat.Usd(e.UsdPerThousandRequests) : "-",
                Formatting.Count(e.Requests), Formatting.Percent(e.CpuShare), CostText.Cents(e.CentsByRequests), CostText.Cents(e.CentsByCpu), CostText.Cents(e.CentsByAlloc),
                e.Team, e.Endpoint);
        }
        var output = context.Console.Out;
        table.WriteTo(output);
        await CostText.WriteFooterAsync(context, reply);
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler cost top</c>: a service's top endpoints by requests, cost or CPU per request.</summary>
public sealed class CostTopCommand : ToolCommand
{
    public override string Name => "cost top";
    public override string Summary => "a service's top endpoints by requests, cost or CPU per request";

    public override string Help => $$"""
        Usage: fleetprofiler cost top --service S [--by requests|cost|cpu-per-request] [--since D | --from T [--to T]] [--basis B] [--limit N]

        Prints REQUESTS, USD (by the basis), $/1K REQ, CPU× (CPU share over request share: 1 = the service's
        average CPU per request), CPU ms/REQ (CPU observed in windows per request of the range), TEAM, ENDPOINT.

          --service S        the service (required)
          --by O             requests (default), cost, or cpu-per-request
        {{RangeHelp}}
          --basis B          requests (default), cpu or alloc: the basis of USD and of --by cost
          --limit N          rows (default 10, at most 1000)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--by"), .. RangeOptions, new("--basis"), new("--limit")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var range = Range(context, o);
        var reply = await new CostClient(context.Gateway.Channel).TopEndpointsAsync(new TopEndpointsRequest
        {
            Service = o.Required("--service"),
            From = Timestamp.FromDateTimeOffset(range.From),
            To = Timestamp.FromDateTimeOffset(range.To),
            By = (o.OneOf("--by", "requests", "cost", "cpu-per-request") ?? "requests").Replace('-', '_'),
            Basis = o.OneOf("--basis", "requests", "cpu", "alloc") ?? "requests",
            Limit = o.Int("--limit", 1, 1000) ?? 0,
        }, context.Call());
        var table = new TextTable(("REQUESTS", true), ("USD", true), ("$/1K REQ", true), ("CPU×", true), ("CPU ms/REQ", true), ("TEAM", false), ("ENDPOINT", false));
        foreach (var e in reply.Endpoints)
        {
            table.Add(Formatting.Count(e.Requests), CostText.Cents(e.Cents), e.HasUsdPerThousandRequests ? CostFormat.Usd(e.UsdPerThousandRequests) : "-",
                e.HasCpuIntensity ? e.CpuIntensity.ToString("0.00", CultureInfo.InvariantCulture) : "-",
                e.HasCpuMsPerRequest ? e.CpuMsPerRequest.ToString("0.###", CultureInfo.InvariantCulture) : "-", e.Team, e.Endpoint);
        }
        table.WriteTo(context.Console.Out);
        await CostText.WriteFooterAsync(context, reply);
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler teams</c>: the classic team roll-up: endpoints, total and average cost per team.</summary>
public sealed class TeamsCommand : ToolCommand
{
    public override string Name => "teams";
    public override string Summary => "teams' endpoints, total and average endpoint cost, costliest endpoints";

    public override string Help => $$"""
        Usage: fleetprofiler teams (--service S | --team T | --service S --team T) [--since D | --from T [--to T]] [--basis B] [--top N]

        With --service: one row per team owning endpoints or files of the service: TEAM, ENDPOINTS, TOTAL, AVERAGE
        (per endpoint, idle endpoints included: the classic method), FILES, COSTLIEST ENDPOINT. With --team: that
        team across every service it is named in, and its costliest endpoints (SERVICE, USD, REQUESTS, ENDPOINT,
        HANDLER FILE). An endpoint's team is its explicit owner (fleetprofiler owners endpoint), else the CODEOWNERS
        owner of its handler file, else "unowned".

          --service S        a service
          --team T           a team as CODEOWNERS writes it (@org/team, @user, e-mail) or unowned
        {{RangeHelp}}
          --basis B          requests (default), cpu or alloc
          --top N            costliest endpoints listed per team (default 10, at most 1000)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--team"), .. RangeOptions, new("--basis"), new("--top")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var service = o.Value("--service");
        var team = o.Value("--team");
        if (service is null && team is null) throw new UsageException("--service or --team is required");
        var range = Range(context, o);
        var reply = await new CostClient(context.Gateway.Channel).TeamCostsAsync(new TeamCostsRequest
        {
            Service = service ?? "",
            Team = team ?? "",
            From = Timestamp.FromDateTimeOffset(range.From),
            To = Timestamp.FromDateTimeOffset(range.To),
            Basis = o.OneOf("--basis", "requests", "cpu", "alloc") ?? "requests",
            Top = o.Int("--top", 1, 1000) ?? 0,
        }, context.Call());
        var output = context.Console.Out;
        if (team is null)
        {
            var table = new TextTable(("TEAM", false), ("ENDPOINTS", true), ("TOTAL", true), ("AVERAGE", true), ("FILES", true), ("COSTLIEST ENDPOINT", false));
            foreach (var t in reply.Teams)
                table.Add(t.Team, Formatting.Count(t.EndpointCount), CostFormat.Usd(t.TotalUsd), CostFormat.Usd(t.AverageUsd), Formatting.Count(t.Files.Count), t.Endpoints.Count == 0 ? "-" : t.Endpoints[0].Cost.Endpoint);
            table.WriteTo(output);
        }
        else
        {
            foreach (var t in reply.Teams)
            {
                await output.WriteLineAsync($"{t.Team}: {Formatting.Quantity(t.EndpointCount, "endpoint")} in {string.Join(", ", t.Services)}, total {CostFormat.Usd(t.TotalUsd)}, " +
                    $"average {CostFormat.Usd(t.AverageUsd)} per endpoint, {Formatting.Quantity(t.Files.Count, "file")} seen");
                var table = new TextTable(("SERVICE", false), ("USD", true), ("REQUESTS", true), ("ENDPOINT", false), ("HANDLER FILE", false));
                foreach (var e in t.Endpoints)
                    table.Add(e.Service, CostFormat.Usd(e.Cost.Usd), Formatting.Count(e.Cost.Requests), e.Cost.Endpoint, e.Cost.HandlerFile.Length == 0 ? "-" : e.Cost.HandlerFile);
                table.WriteTo(output);
                foreach (var m in t.MonthsWithoutInput)
                    await context.Console.Error.WriteLineAsync($"fleetprofiler: warning: no cost entered for {m}: its minutes are charged nothing");
            }
        }
        await output.WriteLineAsync($"{Formatting.Time(reply.From.ToDateTimeOffset())} – {Formatting.Time(reply.To.ToDateTimeOffset())}, basis {reply.Basis}, " +
            $"{Formatting.Quantity(reply.Windows, "window")} behind the CPU and allocation shares");
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler owners endpoint</c>: an explicit endpoint → team entry (wins over CODEOWNERS).</summary>
public sealed class OwnersEndpointCommand : ToolCommand
{
    public override string Name => "owners endpoint";
    public override string Summary => "set or remove an endpoint's explicit owner (wins over CODEOWNERS)";

    public override string Help => """
        Usage: fleetprofiler owners endpoint --service S --endpoint "METHOD route" (--team T | --remove)

        Sets the team of one endpoint, whatever CODEOWNERS says of its handler file, or removes the entry (the
        owner then falls back to CODEOWNERS). Prints every explicit entry of the service afterwards.

          --service S    the service (it must have reported)
          --endpoint E   the endpoint as cost reports name it, e.g. "GET /orders/{id}"
          --team T       @org/team, @user or an e-mail address
          --remove       remove the endpoint's entry
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--endpoint"), new("--team"), new("--remove", IsFlag: true)];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new SetEndpointOwnersRequest { Service = o.Required("--service") };
        var endpoint = o.Required("--endpoint");
        var team = o.Value("--team");
        if (o.Flag("--remove") == (team is not null)) throw new UsageException("give either --team or --remove");
        if (team is null) request.Remove.Add(endpoint);
        else request.Set[endpoint] = team;
        var reply = await new CostClient(context.Gateway.Channel).SetEndpointOwnersAsync(request, context.Call());
        OwnersListCommand.Write(context, reply);
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler owners list</c>: a service's explicit endpoint owners.</summary>
public sealed class OwnersListCommand : ToolCommand
{
    public override string Name => "owners list";
    public override string Summary => "a service's explicit endpoint → team entries";

    public override string Help => """
        Usage: fleetprofiler owners list --service S

        Prints ENDPOINT, TEAM for every explicit entry (endpoints without one are owned through CODEOWNERS).
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var reply = await new CostClient(context.Gateway.Channel).ListEndpointOwnersAsync(new ListEndpointOwnersRequest { Service = o.Required("--service") }, context.Call());
        Write(context, reply);
        return ExitCodes.Ok;
    }

    internal static void Write(CommandContext context, EndpointOwnersReply reply)
    {
        var table = new TextTable(("ENDPOINT", false), ("TEAM", false));
        foreach (var (endpoint, team) in reply.Owners.OrderBy(kv => kv.Key, StringComparer.Ordinal)) table.Add(endpoint, team);
        table.WriteTo(context.Console.Out);
    }
}

/// <summary>Cents and report footers as the cost commands print them.</summary>
internal static class CostText
{
    public static string Cents(long cents) => CostFormat.Usd(cents / 100.0);

    public static async Task WriteFooterAsync(CommandContext context, EndpointCostsReply reply)
    {
        var output = context.Console.Out;
        await output.WriteLineAsync($"total {Cents(reply.TotalCents)} over {Formatting.Time(reply.From.ToDateTimeOffset())} – {Formatting.Time(reply.To.ToDateTimeOffset())} " +
            $"({Formatting.Quantity(reply.Minutes, "minute")}), basis {reply.Basis}, {Formatting.Quantity(reply.Windows, "window")} behind the CPU and allocation shares" +
            (reply.Truncated ? " (truncated: more windows lay in the range than were read)" : ""));
        foreach (var m in reply.Months)
        {
            await output.WriteLineAsync($"{m.Month}: {CostFormat.Usd(m.Usd)}, {CostFormat.Usd(m.UsdPerMinute, 4)} a minute" +
                (m.HasUsdPerInstanceHour ? $", {CostFormat.Usd(m.UsdPerInstanceHour)} an instance-hour" : ""));
        }
        foreach (var m in reply.MonthsWithoutInput)
            await context.Console.Error.WriteLineAsync($"fleetprofiler: warning: no cost entered for {reply.Service} {m} (fleetprofiler cost set): its minutes are charged nothing");
        if (reply.FoldedEndpoints > 0)
            await context.Console.Error.WriteLineAsync($"fleetprofiler: note: {Formatting.Quantity(reply.FoldedEndpoints, "endpoint")} over the row cap folded into [other endpoints]");
        await WriteAttributionWarningAsync(context, reply.WindowAttributions, reply.Windows);
    }

    /// <summary>
    /// A warning on stderr when some windows were attributed by thread correlation (the agent's fallback when the TPL
    /// timeline events are absent), with the agents' notes: their CPU after an await may be on the wrong endpoint.
    /// </summary>
    public static async Task WriteAttributionWarningAsync(CommandContext context, WindowAttributions? a, int windows)
    {
        if (a is null || a.Threads == 0) return;
        await context.Console.Error.WriteLineAsync($"fleetprofiler: warning: {a.Threads} of {Formatting.Quantity(windows, "window")} attributed by thread " +
            "correlation (the TPL timeline events were absent): their CPU after an await may be charged to the wrong endpoint" +
            (a.ThreadsNotes.Count > 0 ? $"; agent: {string.Join(" | ", a.ThreadsNotes)}" : ""));
    }
}
