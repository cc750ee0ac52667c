using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler hosts</c>: the hosts of a service with their agent, its version, last seen time and connection.</summary>
public sealed class HostsCommand : ToolCommand
{
    public override string Name => "hosts";
    public override string Summary => "the hosts of a service: agent, version, last seen, connected";

    public override string Help => """
        Usage: fleetprofiler hosts --service S

        Prints a table: HOST, AGENT, VERSION, LAST SEEN (UTC), CONNECTED (whether the agent's stream is attached now).

          --service S        the service (required)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var service = o.Required("--service");
        var client = new Query.QueryClient(context.Gateway.Channel);
        var reply = await client.ListHostsAsync(new ListHostsRequest { Service = service }, context.Call());

        var table = new TextTable(("HOST", false), ("AGENT", false), ("VERSION", false), ("LAST SEEN", false), ("CONNECTED", false));
        foreach (var h in reply.Hosts.OrderBy(h => h.Host, StringComparer.Ordinal))
        {
            var lastSeen = h.LastSeen?.ToDateTimeOffset();
            table.Add(h.Host, h.AgentId, h.AgentVersion,
                lastSeen is { } t ? $"{Formatting.Time(t)} ({Formatting.Ago(t, context.Now)})" : "-",
                h.Connected ? "yes" : "no");
        }
        table.WriteTo(context.Console.Out);
        return ExitCodes.Ok;
    }
}
