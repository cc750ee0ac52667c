using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler versions</c>: the service versions of a service's stored windows, for <c>diff --a-version/--b-version</c>.</summary>
public sealed class VersionsCommand : ToolCommand
{
    public override string Name => "versions";
    public override string Summary => "the service versions profiled: first and last seen, windows, hosts";

    public override string Help => """
        Usage: fleetprofiler versions --service S [--host H]

        Prints a table, newest first: VERSION, FIRST SEEN and LAST SEEN (UTC; the first window's start and the last
        one's end), WINDOWS, HOSTS. Versions are kept on raw windows only, so the list covers the gateway's raw-window
        retention (Profiles:WindowRetention, default 48h). Compare two with 'fleetprofiler diff --a-version V --b-version W'.

          --service S        the service (required)
          --host H           only this host's windows
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--host")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var service = o.Required("--service");
        var client = new Query.QueryClient(context.Gateway.Channel);
        var reply = await client.ListVersionsAsync(new ListVersionsRequest { Service = service, Host = o.Value("--host") ?? "" }, context.Call());

        var table = new TextTable(("VERSION", false), ("FIRST SEEN", false), ("LAST SEEN", false), ("WINDOWS", true), ("HOSTS", true));
        foreach (var v in reply.Versions)
        {
            table.Add(v.Version, Formatting.Time(v.FirstSeen.ToDateTimeOffset()), Formatting.Time(v.LastSeen.ToDateTimeOffset()),
                v.Windows.ToString(CultureInfo.InvariantCulture), v.Hosts.ToString(CultureInfo.InvariantCulture));
        }
        table.WriteTo(context.Console.Out);
        if (reply.Truncated) await context.Console.Error.WriteLineAsync("fleetprofiler: more versions exist than one reply lists (the newest are shown)");
        if (reply.UnversionedWindows > 0)
            await context.Console.Error.WriteLineAsync($"fleetprofiler: {Formatting.Quantity(reply.UnversionedWindows, "window")} without a version (agents that could not read one, or older agents)");
        return ExitCodes.Ok;
    }
}
