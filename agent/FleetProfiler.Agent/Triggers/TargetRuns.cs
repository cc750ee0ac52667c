using System.Collections.Concurrent;
using FleetProfiler.Agent.Spool;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.Triggers;

/// <summary>
/// One-shot runs on targets (a coverage run, a heap snapshot) requested by every trigger (schedule, signal, gateway
/// command): one run per process at a time, each spooled as one batch. A run is short and cannot be stopped.
/// Subclasses say what a run is called in the log and how a target becomes its batch.
/// </summary>
public abstract class TargetRuns(TargetRegistry registry, ProcessDiscovery discovery, WindowSpool spool, ILogger logger)
{
    private readonly ConcurrentDictionary<int, string> _running = new();

    /// <summary>What one run is called in log lines ("coverage run", "heap snapshot").</summary>
    public abstract string RunName { get; }

    /// <summary>What the run yields, for "spooled the … of" ("coverage", "heap snapshot").</summary>
    public abstract string ResultName { get; }

    /// <summary>The verb of "no .NET process to … right now" ("cover", "snapshot").</summary>
    public abstract string Verb { get; }

    /// <summary>Runs once on <paramref name="target"/> and returns the batch to spool.</summary>
    protected abstract Task<Batch> CollectAsync(TargetProcess target);

    /// <summary>The one line that explains an expected failure (a refusal, a timeout), logged as a warning without a
    /// stack; null for an unexpected one.</summary>
    protected virtual string? Explain(Exception e, TargetProcess target) => null;

    /// <summary>
    /// Starts runs in the background; returns the pids skipped because a run of theirs is under way.
    /// <paramref name="finished"/> hears what came of them (a remote command's second answer).
    /// </summary>
    public IReadOnlyList<int> Start(string name, IReadOnlyList<int>? pids, Action<TargetRunReport>? finished = null)
    {
        var busy = (pids ?? []).Where(_running.ContainsKey).ToList();
        _ = Task.Run(async () =>
        {
            TargetRunReport report;
            try
            {
                report = await RunReportAsync(name, pids);
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Run} failed", name);
                report = new TargetRunReport(0, [$"{RunName} failed: {e.Message}"]);
            }
            finished?.Invoke(report);
        });
        return busy;
    }

    /// <summary>Runs on <paramref name="pids"/> (null: every current target) one after another; returns the runs spooled.</summary>
    public async Task<int> RunAsync(string name, IReadOnlyList<int>? pids) => (await RunReportAsync(name, pids)).Spooled;

    private async Task<TargetRunReport> RunReportAsync(string name, IReadOnlyList<int>? pids)
    {
        var problems = new List<string>();
        var targets = pids is null ? registry.Current.ToList() : Describe(name, pids, problems);
        if (targets.Count == 0)
        {
            logger.LogInformation("{Run}: no .NET process to {Verb} right now", name, Verb);
            if (problems.Count == 0) problems.Add($"no .NET process to {Verb} right now");
        }
        var spooled = 0;
        foreach (var target in targets)
        {
            if (!_running.TryAdd(target.ProcessId, name))
            {
                logger.LogInformation("{Run}: pid {Pid} skipped: its {What} '{Other}' is under way", name, target.ProcessId, RunName, _running.GetValueOrDefault(target.ProcessId));
                problems.Add($"pid {target.ProcessId} skipped: its {RunName} '{_running.GetValueOrDefault(target.ProcessId)}' is under way");
                continue;
            }
            try
            {
                var batch = await CollectAsync(target);
                var sequence = spool.Add(batch);
                spooled++;
                logger.LogInformation("{Run}: spooled the {What} of {Service} (pid {Pid}) as batch {Sequence}, {KB:F1} KB",
                    name, ResultName, target.ServiceName, target.ProcessId, sequence, batch.CalculateSize() / 1024.0);
            }
            catch (TargetUnavailableException e)
            {
                logger.LogWarning("{Run}: skipped pid {Pid} ({Service}): {Reason}", name, target.ProcessId, target.ServiceName, e.Message);
                problems.Add($"skipped pid {target.ProcessId}: {e.Message}");
            }
            catch (Exception e) when (Explain(e, target) is { } reason)
            {
                logger.LogWarning("{Run}: {Reason}", name, reason);
                problems.Add(reason);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogError("{Run}: {What} of pid {Pid} could not be spooled: {Message}", name, ResultName, target.ProcessId, e.Message);
                problems.Add($"the {ResultName} of pid {target.ProcessId} could not be spooled: {e.Message}");
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Run}: {What} of pid {Pid} failed", name, ResultName, target.ProcessId);
                problems.Add($"the {ResultName} of pid {target.ProcessId} failed: {e.Message}");
            }
            finally
            {
                _running.TryRemove(target.ProcessId, out _);
            }
        }
        // After every target's run has ended (and left _running): a pid of this run is free again from here on.
        logger.LogInformation("{Run}: finished: {Spooled} spooled, {Problems} problem(s)", name, spooled, problems.Count);
        return new TargetRunReport(spooled, problems);
    }

    private List<TargetProcess> Describe(string name, IReadOnlyList<int> pids, List<string> problems)
    {
        var targets = new List<TargetProcess>();
        foreach (var pid in pids)
        {
            try
            {
                targets.Add(registry.Find(pid) ?? discovery.Describe(pid));
            }
            catch (TargetUnavailableException e)
            {
                logger.LogWarning("{Run}: skipped pid {Pid}: {Reason}", name, pid, e.Message);
                problems.Add($"skipped pid {pid}: {e.Message}");
            }
        }
        return targets;
    }
}

/// <summary>What a run came to: the batches it spooled and, per target that gave none, why (one line each).</summary>
public sealed record TargetRunReport(int Spooled, IReadOnlyList<string> Problems);
