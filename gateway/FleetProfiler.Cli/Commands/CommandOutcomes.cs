using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Cli.Commands;

/// <summary>
/// What the trigger commands do after the gateway took a command: wait a few seconds for the agent's answer
/// (Query/GetCommand) and print it; a refusal is exit <see cref="ExitCodes.Refused"/> with the agent's reason. For a
/// one-shot run (heap, coverage) the wait goes on to its end: done, or failed (exit 6 too) with each target's reason.
/// </summary>
internal static class CommandOutcomes
{
    public const int DefaultWaitSeconds = 5;

    /// <summary>How often the answer is asked for while waiting.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public static readonly OptionSpec[] WaitOptions = [new("--wait"), new("--no-wait", IsFlag: true)];

    public const string WaitHelp = """
          --wait N           wait up to N seconds for the agent's answer (default 5; 0 = do not wait); a heap or
                             coverage run: for its end
          --no-wait          do not wait: print the command id once the gateway sent it
        """;

    /// <summary>Seconds to wait from <c>--wait</c>/<c>--no-wait</c> (0 = none).</summary>
    public static int WaitSeconds(OptionReader o)
    {
        var wait = o.Int("--wait", 0, 600);
        if (o.Flag("--no-wait"))
        {
            if (wait is > 0) throw new UsageException("--wait and --no-wait exclude each other");
            return 0;
        }
        return wait ?? DefaultWaitSeconds;
    }

    /// <summary>
    /// Prints the command id on stdout and, after waiting, the agent's answer on stderr. Exit 0 when accepted, done or
    /// still unanswered (it may yet run: <c>fleetprofiler commands</c> shows it later), <see cref="ExitCodes.Refused"/>
    /// when refused or failed. <paramref name="oneShot"/>: the agent answers again when the run is over; wait for that.
    /// </summary>
    public static async Task<int> ReportAsync(CommandContext context, string service, string host, string commandId, string what, int waitSeconds, bool oneShot = false)
    {
        await context.Console.Out.WriteLineAsync(commandId);
        if (waitSeconds == 0)
        {
            await context.Console.Error.WriteLineAsync($"sent: {what}");
            return ExitCodes.Ok;
        }
        var client = new Query.QueryClient(context.Gateway.Channel);
        var request = new GetCommandRequest { Service = service, Host = host, Id = commandId };
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var info = await client.GetCommandAsync(request, context.Call());
        while ((info.State == CommandInfo.Types.State.Sent || (oneShot && info.State == CommandInfo.Types.State.Accepted))
            && waited.Elapsed < TimeSpan.FromSeconds(waitSeconds))
        {
            await Task.Delay(Poll, context.Cancellation);
            info = await client.GetCommandAsync(request, context.Call());
        }
        switch (info.State)
        {
            case CommandInfo.Types.State.Accepted:
                await context.Console.Error.WriteLineAsync($"accepted by the agent of {host}: {info.Message}{(oneShot ? $"; not over within {waitSeconds} s" : "")}");
                return ExitCodes.Ok;
            case CommandInfo.Types.State.Done:
                await context.Console.Error.WriteLineAsync($"done on the agent of {host}: {info.Message}");
                return ExitCodes.Ok;
            case CommandInfo.Types.State.Refused:
                throw new CommandFailedException(ExitCodes.Refused, $"refused by the agent of {host}: {info.Message} ({what})");
            case CommandInfo.Types.State.Failed:
                throw new CommandFailedException(ExitCodes.Refused, $"failed on the agent of {host}: {info.Message} ({what})");
            case CommandInfo.Types.State.Sent:
                await context.Console.Error.WriteLineAsync(
                    $"sent: {what}; no answer from the agent within {waitSeconds} s (later: fleetprofiler commands --service {service} --host {host})");
                return ExitCodes.Ok;
            default:
                throw new CommandFailedException(ExitCodes.Failed, $"{State(info.State)}: {info.Message} ({what})");
        }
    }

    public static string State(CommandInfo.Types.State state) => state switch
    {
        CommandInfo.Types.State.Sent => "sent",
        CommandInfo.Types.State.Accepted => "accepted",
        CommandInfo.Types.State.Refused => "refused",
        CommandInfo.Types.State.Offline => "offline",
        CommandInfo.Types.State.Done => "done",
        CommandInfo.Types.State.Failed => "failed",
        _ => "unknown",
    };
}
