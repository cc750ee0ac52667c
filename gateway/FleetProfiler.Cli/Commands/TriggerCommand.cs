using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler trigger</c>: asks a host's agent to profile now; prints the command id.</summary>
public sealed class TriggerCommand : ToolCommand
{
    public override string Name => "trigger";
    public override string Summary => "ask a host's agent to profile now (prints the command id)";

    public override string Help => """
        Usage: fleetprofiler trigger --service S --host H [--pid P] [--kind K] [--seconds N]

        Sends a start command to the agent of H; the windows it records arrive like any other.
        Prints the command id on stdout. Fails (exit 5) when the agent is not connected.

          --service S        the service (required)
          --host H           the host (required)
          --pid P            one process (default 0 = every process of the service on that host)
          --kind K           cpu (default), wall or alloc
          --seconds N        how long, 1 to 600 (default 30)
        """;

    protected override IEnumerable<OptionSpec> Options =>
        [new("--service"), new("--host"), new("--pid"), new("--kind"), new("--seconds")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new TriggerRequest
        {
            Service = o.Required("--service"),
            Host = o.Required("--host"),
            Pid = o.Int("--pid", 0, int.MaxValue) ?? 0,
            Kind = o.OneOf("--kind", Kinds) ?? "cpu",
            Seconds = o.Int("--seconds", 1, 600) ?? 30,
        };
        var client = new Query.QueryClient(context.Gateway.Channel);
        var reply = await client.TriggerAsync(request, context.Call());
        var target = request.Pid == 0 ? $"every process of {request.Service}" : $"pid {request.Pid}";
        await context.Console.Error.WriteLineAsync($"sent: {request.Kind} profile of {target} on {request.Host} for {request.Seconds} s");
        await context.Console.Out.WriteLineAsync(reply.CommandId);
        return ExitCodes.Ok;
    }
}
