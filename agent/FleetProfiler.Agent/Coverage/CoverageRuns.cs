using System.Collections.Concurrent;
using FleetProfiler.Agent.Spool;

namespace FleetProfiler.Agent.Coverage;

/// <summary>
/// Carries out coverage requests from every trigger (schedule, signal, gateway command): one run per process at a
/// time, each spooled as one batch. A run takes about a second (the target's rundown), so there is nothing to stop.
/// </summary>
public sealed class CoverageRuns(
    TargetRegistry registry,
    ProcessDiscovery discovery,
    CoverageCollector collector,
    WindowSpool spool,
    GatewayLimits limits,
    IOptions<AgentOptions> options,
    ILogger<CoverageRuns> logger)
{
    private readonly ConcurrentDictionary<int, string> _running = new();

    /// <summary>Starts runs in the background; returns the pids that were not started because a run of theirs is under way.</summary>
    public IReadOnlyList<int> Start(string name, IReadOnlyList<int>? pids)
    {
        var busy = (pids ?? []).Where(_running.ContainsKey).ToList();
        _ = Task.Run(() => RunAsync(name, pids));
        return busy;
    }

    /// <summary>Covers <paramref name="pids"/> (null: every current target) one after another; returns the runs spooled.</summary>
    public async Task<int> RunAsync(string name, IReadOnlyList<int>? pids)
    {
        var targets = pids is null ? registry.Current.ToList() : Describe(name, pids);
        if (targets.Count == 0)
        {
            logger.LogInformation("{Run}: no .NET process to cover right now", name);
        }
        var spooled = 0;
        foreach (var target in targets)
        {
            if (!_running.TryAdd(target.ProcessId, name))
            {
                logger.LogInformation("{Run}: pid {Pid} skipped: its coverage run '{Other}' is under way", name, target.ProcessId, _running.GetValueOrDefault(target.ProcessId));
                continue;
            }
            try
            {
                var result = await collector.CollectAsync(target);
                var batch = CoverageBatches.From(result, options.Value.EffectiveHost, limits.Current);
                var sequence = spool.Add(batch);
                spooled++;
                logger.LogInformation("{Run}: spooled the coverage of {Service} (pid {Pid}) as batch {Sequence}, {KB:F1} KB",
                    name, target.ServiceName, target.ProcessId, sequence, batch.CalculateSize() / 1024.0);
            }
            catch (TargetUnavailableException e)
            {
                logger.LogWarning("{Run}: skipped pid {Pid} ({Service}): {Reason}", name, target.ProcessId, target.ServiceName, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogError("{Run}: coverage of pid {Pid} could not be spooled: {Message}", name, target.ProcessId, e.Message);
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Run}: coverage of pid {Pid} failed", name, target.ProcessId);
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
