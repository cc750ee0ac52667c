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

    /// <summary>Starts runs in the background; returns the pids skipped because a run of theirs is under way.</summary>
    public IReadOnlyList<int> Start(string name, IReadOnlyList<int>? pids)
    {
        var busy = (pids ?? []).Where(_running.ContainsKey).ToList();
        _ = Task.Run(() => RunAsync(name, pids));
        return busy;
    }

    /// <summary>Runs on <paramref name="pids"/> (null: every current target) one after another; returns the runs spooled.</summary>
    public async Task<int> RunAsync(string name, IReadOnlyList<int>? pids)
    {
        var targets = pids is null ? registry.Current.ToList() : Describe(name, pids);
        if (targets.Count == 0)
        {
            logger.LogInformation("{Run}: no .NET process to {Verb} right now", name, Verb);
        }
        var spooled = 0;
        foreach (var target in targets)
        {
            if (!_running.TryAdd(target.ProcessId, name))
            {
                logger.LogInformation("{Run}: pid {Pid} skipped: its {What} '{Other}' is under way", name, target.ProcessId, RunName, _running.GetValueOrDefault(target.ProcessId));
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
            }
            catch (Exception e) when (Explain(e, target) is { } reason)
            {
                logger.LogWarning("{Run}: {Reason}", name, reason);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogError("{Run}: {What} of pid {Pid} could not be spooled: {Message}", name, ResultName, target.ProcessId, e.Message);
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Run}: {What} of pid {Pid} failed", name, ResultName, target.ProcessId);
            }
            finally
            {
                _running.TryRemove(target.ProcessId, out _);
            }
        }
        return spooled;
    }

    private List<TargetProcess> Describe(string name, IReadOnlyList<int> pids)
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
            }
        }
        return targets;
    }
}
