using System.Threading.Channels;
using FleetProfiler.Agent.Coverage;
using FleetProfiler.Agent.HeapSnapshots;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.Triggers;

/// <summary>
/// The gateway's commands (docs/protocol.md, "Commands"): START kind on pid (0 = every target) for seconds, one
/// window; STOP ends command-started windows (of that kind and pid when given) early, keeping them. START of kind
/// <c>coverage</c> runs one coverage run on pid (0 = every target); its seconds do not apply. Answers at once;
/// the windows and runs go on in the background. START of kind <c>heap</c> takes one heap snapshot of pid (0 = every
/// target); its seconds do not apply. A coverage run or heap snapshot is answered a second time when it is over
/// (<see cref="CommandResult.Finished"/>, via <see cref="FollowUps"/>): done, or failed with each target's reason (a
/// target over the heap ceiling is refused there and in the log).
/// </summary>
public sealed class RemoteCommands(
    ProfilingRuns runs,
    CoverageRuns coverage,
    HeapSnapshotRuns heapSnapshots,
    TargetRegistry registry,
    ProcessDiscovery discovery,
    IOptions<AgentOptions> options,
    ILogger<RemoteCommands> logger)
{
    public const string RunPrefix = "command ";
    public const int MaxSeconds = 600;

    /// <summary>Second answers waiting for the stream; past this many the oldest is dropped (the gateway then shows it accepted).</summary>
    public const int MaxFollowUps = 64;

    private readonly Channel<CommandResult> _followUps = Channel.CreateBounded<CommandResult>(
        new BoundedChannelOptions(MaxFollowUps) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>The second answers of one-shot runs, for the uploader to write on whichever stream is open.</summary>
    public ChannelReader<CommandResult> FollowUps => _followUps.Reader;

    public CommandResult Handle(Command command)
    {
        var (accepted, message) = command.Action switch
        {
            Command.Types.Action.Start => Start(command),
            Command.Types.Action.Stop => Stop(command),
            _ => (false, $"unknown action {command.Action}"),
        };
        logger.LogInformation("Gateway command {Id} {Action} kind '{Kind}' pid {Pid} {Seconds} s: {Outcome}: {Message}",
            command.Id, command.Action, command.Kind, command.Pid, command.Seconds, accepted ? "accepted" : "refused", message);
        return new CommandResult { Id = command.Id, Accepted = accepted, Message = message };
    }

    private (bool, string) Start(Command command)
    {
        if (command.Kind == CoverageBatches.Kind)
        {
            return StartCoverage(command);
        }
        if (command.Kind == HeapSnapshotBatches.Kind)
        {
            return StartHeapSnapshot(command);
        }
        if (!ProfileKindNames.TryParse(command.Kind, out var kinds))
        {
            return (false, $"unknown kind '{command.Kind}' (expected {string.Join(", ", ProfileKindNames.All)}, {CoverageBatches.Kind} or {HeapSnapshotBatches.Kind})");
        }
        var seconds = command.Seconds == 0 ? options.Value.DefaultSecondsFor(kinds) : command.Seconds;
        if (seconds is < 1 or > MaxSeconds)
        {
            return (false, $"seconds must be 1..{MaxSeconds}, was {command.Seconds}");
        }

        IReadOnlyList<int>? pids = null;
        if (command.Pid < 0)
        {
            return (false, $"pid must be ≥ 0, was {command.Pid}");
        }
        if (TargetRefusal(command.Pid) is { } refusal)
        {
            return (false, refusal);
        }
        if (command.Pid > 0)
        {
            pids = [command.Pid];
        }
        else if (registry.Current.Count == 0)
        {
            return (false, "no .NET process to profile on this host");
        }
        // One command-started run per target: a second trigger waits for the first or stops it; a flood of
        // triggers cannot stack sessions (and their buffers) on one process.
        var busy = runs.ActiveRequests.FirstOrDefault(r => r.Name.StartsWith(RunPrefix, StringComparison.Ordinal)
            && (r.Pids is null || pids is null || r.Pids.Intersect(pids).Any()));
        if (busy is not null)
        {
            return (false, $"{busy.Name[RunPrefix.Length..]} is already profiling {(busy.Pids is null ? "every target" : $"pid {string.Join(", ", busy.Pids)}")}: one command-started run per target (stop it first)");
        }

        // A window the target's session buffers cannot take now is refused here, so the gateway hears why; a window on
        // every target is refused per target when it starts (in the log).
        if (command.Pid > 0 && Sessions.TargetBuffers.Refusal(command.Pid, options.Value.CircularBufferMB, "window") is { } full)
        {
            return (false, full);
        }

        var name = RunPrefix + (string.IsNullOrEmpty(command.Id) ? Guid.NewGuid().ToString("N")[..8] : command.Id);
        if (!runs.Start(new ProfilingRequest(name, kinds, pids, TimeSpan.FromSeconds(seconds), UntilStopped: false)))
        {
            return (false, $"command {command.Id} is already running");
        }
        var what = command.Pid == 0 ? $"every target ({registry.Current.Count})" : $"pid {command.Pid}";
        return (true, $"profiling {ProfileKindNames.Format(kinds)} on {what} for {seconds} s");
    }

    private (bool, string) StartCoverage(Command command) => StartTargetRun(command, coverage, "");

    private (bool, string) StartHeapSnapshot(Command command)
    {
        var ceiling = options.Value.HeapSnapshot.MaxHeapMB;
        return StartTargetRun(command, heapSnapshots, ceiling > 0 ? $" (refused above a {ceiling} MB heap)" : " (no heap ceiling)");
    }

    /// <summary>Starts a one-shot run (coverage, heap snapshot) of the command's pid, or of every target for pid 0.</summary>
    private (bool, string) StartTargetRun(Command command, TargetRuns targetRuns, string detail)
    {
        if (command.Pid < 0)
        {
            return (false, $"pid must be ≥ 0, was {command.Pid}");
        }
        if (TargetRefusal(command.Pid) is { } refusal)
        {
            return (false, refusal);
        }
        if (command.Pid == 0 && registry.Current.Count == 0)
        {
            return (false, $"no .NET process to {targetRuns.Verb} on this host");
        }
        var name = RunPrefix + (string.IsNullOrEmpty(command.Id) ? Guid.NewGuid().ToString("N")[..8] : command.Id);
        var busy = targetRuns.Start(name, command.Pid == 0 ? null : [command.Pid], report => Finished(command.Id, targetRuns, report));
        if (busy.Count > 0)
        {
            return (false, $"a {targetRuns.RunName} of pid {command.Pid} is already under way");
        }
        var what = command.Pid == 0 ? $"every target ({registry.Current.Count})" : $"pid {command.Pid}";
        return (true, $"{targetRuns.RunName} of {what}{detail}");
    }

    private void Finished(string id, TargetRuns targetRuns, TargetRunReport report)
    {
        var spooled = $"{targetRuns.ResultName}: {report.Spooled} batch{(report.Spooled == 1 ? "" : "es")} spooled";
        var accepted = report.Spooled > 0 && report.Problems.Count == 0;
        var message = report.Problems.Count == 0 ? spooled : $"{string.Join("; ", report.Problems)} ({spooled})";
        logger.LogInformation("Gateway command {Id} finished: {Outcome}: {Message}", id, accepted ? "done" : "failed", message);
        _followUps.Writer.TryWrite(new CommandResult { Id = id, Accepted = accepted, Message = message, Finished = true });
    }

    /// <summary>
    /// Why a command may not name <paramref name="pid"/> (null when it may, or for 0 = every target): a remote trigger
    /// reaches only the processes this agent's own Include/Exclude rules select, never any pid the gateway names.
    /// </summary>
    private string? TargetRefusal(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }
        TargetProcess target;
        try
        {
            target = registry.Find(pid) ?? discovery.Describe(pid);
        }
        catch (TargetUnavailableException e)
        {
            return e.Message;
        }
        var settings = options.Value;
        return new ServiceFilter(settings.Include, settings.Exclude).Matches(target.ServiceName)
            ? null
            : $"pid {pid} ({target.ServiceName}) is outside this agent's Agent:Include/Agent:Exclude rules";
    }

    private (bool, string) Stop(Command command)
    {
        if (command.Kind == CoverageBatches.Kind)
        {
            return (false, "a coverage run lasts about a second and cannot be stopped");
        }
        if (command.Kind == HeapSnapshotBatches.Kind)
        {
            return (false, "a heap snapshot is one induced GC and cannot be stopped");
        }
        var kinds = ProfileKinds.None;
        if (!string.IsNullOrEmpty(command.Kind) && !ProfileKindNames.TryParse(command.Kind, out kinds))
        {
            return (false, $"unknown kind '{command.Kind}'");
        }
        var stopped = runs.StopWhere(r =>
            r.Name.StartsWith(RunPrefix, StringComparison.Ordinal)
            && (kinds == ProfileKinds.None || (r.Kinds & kinds) != 0)
            && (command.Pid == 0 || r.Pids is null || r.Pids.Contains(command.Pid)));
        return stopped.Count == 0
            ? (false, "no command-started profile is running")
            : (true, $"stopped {string.Join(", ", stopped)}; their windows end now and are kept");
    }
}
