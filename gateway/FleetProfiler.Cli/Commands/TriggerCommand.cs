using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler trigger</c>: asks a host's agent to profile now; prints the command id and the agent's answer.</summary>
public sealed class TriggerCommand : ToolCommand
{
    public override string Name => "trigger";
    public override string Summary => "ask a host's agent to profile now (prints the command id and the agent's answer)";

    public override string Help => $"""
        Usage: fleetprofiler trigger --service S --host H [--pid P] [--kind K] [--seconds N] [--wait N | --no-wait]

        Sends a start command to the agent of H; the windows it records arrive like any other.
        Prints the command id on stdout, then waits for the agent's answer and prints it on stderr: accepted (what it
        started), or refused with the agent's reason (exit {ExitCodes.Refused}: a pid it does not know or may not profile,
        a kind it cannot do, a run already under way). No answer within the wait is not a failure: see it later with
        fleetprofiler commands. Fails (exit 1) when the agent is not connected.

          --service S        the service (required)
          --host H           the host (required)
          --pid P            one process (default 0 = every process of the service on that host)
          --kind K           cpu (default), wall or alloc
          --seconds N        how long, 1 to 600 (default 30)
        {CommandOutcomes.WaitHelp}
        """;

    protected override IEnumerable<OptionSpec> Options =>
        [new("--service"), new("--host"), new("--pid"), new("--kind"), new("--seconds"), .. CommandOutcomes.WaitOptions];

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
        var wait = CommandOutcomes.WaitSeconds(o);
        var client = new Query.QueryClient(context.Gateway.Channel);
        var reply = await client.TriggerAsync(request, context.Call());
        var target = request.Pid == 0 ? $"every process of {request.Service}" : $"pid {request.Pid}";
        return await CommandOutcomes.ReportAsync(context, request.Service, request.Host, reply.CommandId,
            $"{request.Kind} profile of {target} on {request.Host} for {request.Seconds} s", wait, oneShot: request.Kind is "heap" or "coverage");
    }
}
