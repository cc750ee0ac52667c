using System.Collections.Concurrent;
using FleetProfiler.Agent.Spool;

namespace FleetProfiler.Agent.HeapSnapshots;

/// <summary>
/// Carries out heap snapshot requests from every trigger (schedule, signal, gateway command): one snapshot per process
/// at a time, each spooled as one batch. A snapshot is one induced GC: there is nothing to stop.
/// </summary>
public sealed class HeapSnapshotRuns(
    TargetRegistry registry,
    ProcessDiscovery discovery,
    HeapSnapshotCollector collector,
    WindowSpool spool,
    GatewayLimits limits,
    IOptions<AgentOptions> options,
    ILogger<HeapSnapshotRuns> logger)
{
    private readonly ConcurrentDictionary<int, string> _running = new();

    /// <summary>Starts snapshots in the background; returns the pids skipped because a snapshot of theirs is under way.</summary>
    public IReadOnlyList<int> Start(string name, IReadOnlyList<int>? pids)
    {
        var busy = (pids ?? []).Where(_running.ContainsKey).ToList();
        _ = Task.Run(() => RunAsync(name, pids));
        return busy;
    }

    /// <summary>Snapshots <paramref name="pids"/> (null: every current target) one after another; returns the snapshots spooled.</summary>
    public async Task<int> RunAsync(string name, IReadOnlyList<int>? pids)
    {
        var targets = pids is null ? registry.Current.ToList() : Describe(name, pids);
        if (targets.Count == 0)
        {
            logger.LogInformation("{Run}: no .NET process to snapshot right now", name);
        }
        var spooled = 0;
        foreach (var target in targets)
        {
            if (!_running.TryAdd(target.ProcessId, name))
            {
                logger.LogInformation("{Run}: pid {Pid} skipped: its heap snapshot '{Other}' is under way", name, target.ProcessId, _running.GetValueOrDefault(target.ProcessId));
                continue;
            }
            try
            {
                var result = await collector.CollectAsync(target);
                var batch = HeapSnapshotBatches.From(result, options.Value.EffectiveHost, limits.Current.MaxBatchBytes - BatchLimits.HeaderReserve);
                var sequence = spool.Add(batch);
                spooled++;
                logger.LogInformation("{Run}: spooled the heap snapshot of {Service} (pid {Pid}) as batch {Sequence}, {KB:F1} KB",
                    name, target.ServiceName, target.ProcessId, sequence, batch.CalculateSize() / 1024.0);
            }
            catch (HeapSnapshotRefusedException e)
            {
                logger.LogWarning("{Run}: {Refusal}", name, e.Message);
            }
            catch (TargetUnavailableException e)
            {
                logger.LogWarning("{Run}: skipped pid {Pid} ({Service}): {Reason}", name, target.ProcessId, target.ServiceName, e.Message);
            }
            catch (TimeoutException e)
            {
                logger.LogWarning("{Run}: no heap snapshot of pid {Pid}: {Reason}", name, target.ProcessId, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogError("{Run}: heap snapshot of pid {Pid} could not be spooled: {Message}", name, target.ProcessId, e.Message);
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Run}: heap snapshot of pid {Pid} failed", name, target.ProcessId);
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
