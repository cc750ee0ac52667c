using FleetProfiler.Profiles.Schedules;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using ScheduleClient = FleetProfiler.Protocol.V1.Schedule.ScheduleClient;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler schedule set</c>: a service's schedule of one kind.</summary>
public sealed class ScheduleSetCommand : ToolCommand
{
    public override string Name => "schedule set";
    public override string Summary => "profile K random connected hosts of a service several times a day";

    public override string Help => $"""
        Usage: fleetprofiler schedule set --service S --kind K (--times-per-day N | --every D) [--hosts K] [--seconds N]

        Sets (or replaces) the service's schedule of one kind. Every period the silo picks K hosts at random among
        those whose agent is connected and sends them a start command; the first run is one period from now.
        Runs are kept in the service's history (fleetprofiler schedule history).

          --service S          the service (it must have reported)
          --kind K             {string.Join(", ", ScheduleRules.Kinds)}
          --times-per-day N    runs a day, 1 to 288 (a period of 5 minutes to a day) ...
          --every D            ... or a period, 5m to 1w (the silo's Scheduling:MinimumPeriod may allow less)
          --hosts K            hosts per run, 1 to {ScheduleRules.MaxHosts} (default 1)
          --seconds N          each window's length, 1 to {ScheduleRules.MaxWindowSeconds} (default 10)
        """;

    protected override IEnumerable<OptionSpec> Options =>
        [new("--service"), new("--kind"), new("--times-per-day"), new("--every"), new("--hosts"), new("--seconds")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new SetScheduleRequest
        {
            Service = o.Required("--service"),
            Kind = o.OneOf("--kind", [.. ScheduleRules.Kinds]) ?? throw new UsageException("--kind is required"),
            Hosts = (uint)(o.Int("--hosts", 1, ScheduleRules.MaxHosts) ?? 1),
            WindowSeconds = (uint)(o.Int("--seconds", 1, ScheduleRules.MaxWindowSeconds) ?? 10),
        };
        var timesPerDay = o.Int("--times-per-day", 1, 86_400);
        var every = o.Value("--every") is { } e ? Durations.Parse(e, "--every") : (TimeSpan?)null;
        if (timesPerDay is not null && every is not null) throw new UsageException("give --times-per-day or --every, not both");
        if (timesPerDay is { } n) request.TimesPerDay = (uint)n;
        else if (every is { } period) request.Period = Duration.FromTimeSpan(period);
        else throw new UsageException("--times-per-day or --every is required");

        var reply = await new ScheduleClient(context.Gateway.Channel).SetAsync(request, context.Call());
        await context.Console.Out.WriteLineAsync($"{reply.Service} {reply.Kind}: {ScheduleFormat.Describe(reply)}");
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler schedule list</c>: schedules of one service or all.</summary>
public sealed class ScheduleListCommand : ToolCommand
{
    public override string Name => "schedule list";
    public override string Summary => "profiling schedules of a service, or of every service";

    public override string Help => """
        Usage: fleetprofiler schedule list [--service S]

        Prints a table: SERVICE, KIND, EVERY, PER-DAY, HOSTS, SECONDS, RUNS, LAST-RUN.

          --service S   one service (default: every service with a schedule)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var reply = await new ScheduleClient(context.Gateway.Channel).ListAsync(new ListSchedulesRequest { Service = o.Value("--service") ?? "" }, context.Call());
        if (reply.Schedules.Count == 0)
        {
            await context.Console.Error.WriteLineAsync("fleetprofiler: no schedules (fleetprofiler schedule set)");
            return ExitCodes.Ok;
        }
        var table = new TextTable(("SERVICE", false), ("KIND", false), ("EVERY", true), ("PER-DAY", true), ("HOSTS", true), ("SECONDS", true), ("RUNS", true), ("LAST-RUN", false));
        foreach (var s in reply.Schedules)
        {
            table.Add(s.Service, s.Kind, Durations.Format(s.Period.ToTimeSpan()), Formatting.Count(s.TimesPerDay), Formatting.Count(s.Hosts),
                Formatting.Count(s.WindowSeconds), Formatting.Count((long)s.Runs), s.LastRunAt is null ? "-" : Formatting.Time(s.LastRunAt.ToDateTimeOffset()));
        }
        table.WriteTo(context.Console.Out);
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler schedule remove</c>.</summary>
public sealed class ScheduleRemoveCommand : ToolCommand
{
    public override string Name => "schedule remove";
    public override string Summary => "remove a service's schedule of one kind (its history stays)";

    public override string Help => $"""
        Usage: fleetprofiler schedule remove --service S --kind K

        Fails with exit {ExitCodes.NotFound} when the service has no schedule of that kind.
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--kind")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new RemoveScheduleRequest { Service = o.Required("--service"), Kind = o.OneOf("--kind", [.. ScheduleRules.Kinds]) ?? throw new UsageException("--kind is required") };
        await new ScheduleClient(context.Gateway.Channel).RemoveAsync(request, context.Call());
        await context.Console.Out.WriteLineAsync($"{request.Service} {request.Kind}: schedule removed");
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler schedule run</c>: a schedule's run now.</summary>
public sealed class ScheduleRunCommand : ToolCommand
{
    public override string Name => "schedule run";
    public override string Summary => "run a service's schedule now and show the hosts chosen";

    public override string Help => $"""
        Usage: fleetprofiler schedule run --service S --kind K

        Runs the schedule as its reminder would: picks its K hosts among the connected ones and sends the
        commands. Prints the run id, then a table HOST, OUTCOME, MESSAGE (outcome "sent" until the agent answers;
        see fleetprofiler schedule history). Fails with exit {ExitCodes.NotFound} when there is no such schedule.
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--kind")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new RunScheduleRequest { Service = o.Required("--service"), Kind = o.OneOf("--kind", [.. ScheduleRules.Kinds]) ?? throw new UsageException("--kind is required") };
        var run = await new ScheduleClient(context.Gateway.Channel).RunNowAsync(request, context.Call());
        await context.Console.Out.WriteLineAsync($"run {run.Id}: {run.Hosts.Count} of {run.Requested} host(s) chosen{(run.Note.Length > 0 ? $" ({run.Note})" : "")}");
        if (run.Hosts.Count > 0)
        {
            var table = new TextTable(("HOST", false), ("OUTCOME", false), ("MESSAGE", false));
            foreach (var h in run.Hosts) table.Add(h.Host, ScheduleFormat.Outcome(h.Outcome), h.Message);
            table.WriteTo(context.Console.Out);
        }
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler schedule history</c>: recent runs.</summary>
public sealed class ScheduleHistoryCommand : ToolCommand
{
    public override string Name => "schedule history";
    public override string Summary => "recent scheduled runs of a service: hosts chosen and their answers";

    public override string Help => """
        Usage: fleetprofiler schedule history --service S [--kind K] [--limit N]

        Prints a table, newest run first: RUN, AT, TRIGGER, CHOSEN (of K), HOSTS (host=outcome, outcome one of
        accepted, refused, offline, or sent while the agent has not answered), NOTE.

          --kind K    one kind (default: all)
          --limit N   at most N runs, 1 to 1000 (default 20; a service keeps its last 50 runs by default)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--kind"), new("--limit")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new ScheduleHistoryRequest
        {
            Service = o.Required("--service"),
            Kind = o.OneOf("--kind", [.. ScheduleRules.Kinds]) ?? "",
            Limit = (uint)(o.Int("--limit", 1, 1000) ?? 20),
        };
        var reply = await new ScheduleClient(context.Gateway.Channel).HistoryAsync(request, context.Call());
        if (reply.Runs.Count == 0)
        {
            await context.Console.Error.WriteLineAsync($"fleetprofiler: no scheduled runs of '{request.Service}' yet");
            return ExitCodes.Ok;
        }
        var table = new TextTable(("RUN", false), ("AT", false), ("TRIGGER", false), ("CHOSEN", true), ("HOSTS", false), ("NOTE", false));
        foreach (var r in reply.Runs)
        {
            table.Add(r.Id, Formatting.Time(r.At.ToDateTimeOffset()), r.Trigger, $"{r.Hosts.Count}/{r.Requested}",
                r.Hosts.Count == 0 ? "-" : string.Join(' ', r.Hosts.Select(h => $"{h.Host}={ScheduleFormat.Outcome(h.Outcome)}")), r.Note);
        }
        table.WriteTo(context.Console.Out);
        return ExitCodes.Ok;
    }
}

internal static class ScheduleFormat
{
    public static string Describe(ScheduleEntry s) =>
        $"{Formatting.Quantity(s.Hosts, "host")} for {s.WindowSeconds} s every {Durations.Format(s.Period.ToTimeSpan())} ({s.TimesPerDay} a day)";

    public static string Outcome(HostOutcome.Types.Outcome outcome) => outcome switch
    {
        HostOutcome.Types.Outcome.Accepted => "accepted",
        HostOutcome.Types.Outcome.Refused => "refused",
        HostOutcome.Types.Outcome.Offline => "offline",
        _ => "sent",
    };
}
