using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler services</c>: the services that have reported, with their host counts.</summary>
public sealed class ServicesCommand : ToolCommand
{
    public override string Name => "services";
    public override string Summary => "the services that have reported, with their host counts";

    public override string Help => """
        Usage: fleetprofiler services

        Prints a table: SERVICE, HOSTS.
        """;

    protected override IEnumerable<OptionSpec> Options => [];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var client = new Query.QueryClient(context.Gateway.Channel);
        var reply = await client.ListServicesAsync(new ListServicesRequest(), context.Call());
        if (reply.Services.Count == 0)
        {
            await context.Console.Error.WriteLineAsync($"fleetprofiler: no service has reported yet (gateway {context.Gateway.Url})");
            return ExitCodes.Ok;
        }
        var table = new TextTable(("SERVICE", false), ("HOSTS", true));
        foreach (var s in reply.Services.OrderBy(s => s.Name, StringComparer.Ordinal))
            table.Add(s.Name, Formatting.Count(s.HostCount));
        table.WriteTo(context.Console.Out);
        return ExitCodes.Ok;
    }
}
