using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.HeapSnapshots;

/// <summary>A heap snapshot of one process, reduced, with when it was taken.</summary>
public sealed record HeapSnapshotResult(TargetProcess Target, HeapSnapshot Snapshot, DateTime StartUtc, DateTime EndUtc);

/// <summary>The ceiling said no: the target's heap is too large for a pause the operator accepts. The message is the one line to show.</summary>
public sealed class HeapSnapshotRefusedException(string message) : Exception(message);

/// <summary>
/// Takes a heap snapshot of one process: reads its heap size, refuses it above the ceiling, dumps the heap and
/// reduces the dump in the agent. One dump at a time per agent: each holds the object graph in memory while it reduces.
/// </summary>
public sealed class HeapSnapshotCollector(ProcessDiscovery discovery, IOptions<AgentOptions> options, ILogger<HeapSnapshotCollector> logger)
{
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>How long the heap size may take to arrive (the runtime publishes its counters once a second).</summary>
    public static readonly TimeSpan HeapSizeTimeout = TimeSpan.FromSeconds(5);

    public Task<HeapSnapshotResult> CollectAsync(int processId, CancellationToken ct = default) => CollectAsync(discovery.Describe(processId), ct);

    /// <exception cref="HeapSnapshotRefusedException">The heap is over the ceiling, or its size could not be read while a ceiling is set.</exception>
    /// <exception cref="TargetUnavailableException">The process is gone, not .NET, or refused a session.</exception>
    /// <exception cref="TimeoutException">The dump did not finish in time.</exception>
    public async Task<HeapSnapshotResult> CollectAsync(TargetProcess target, CancellationToken ct = default)
    {
        var settings = options.Value.HeapSnapshot;
        await _one.WaitAsync(ct);
        try
        {
            var pid = target.ProcessId;
            var heapBefore = await HeapDumpSession.ReadHeapSizeAsync(pid, HeapSizeTimeout, ct);
            if (settings.MaxHeapMB > 0)
            {
                var ceiling = settings.MaxHeapMB * 1048576L;
                if (heapBefore is null)
                {
                    throw new HeapSnapshotRefusedException(
                        $"heap snapshot of pid {pid} refused: its GC heap size (gc-heap-size counter) did not arrive within {HeapSizeTimeout.TotalSeconds:F0} s, so the ceiling of {settings.MaxHeapMB} MB (Agent:HeapSnapshot:MaxHeapMB) cannot be checked");
                }
                if (heapBefore > ceiling)
                {
                    throw new HeapSnapshotRefusedException(
                        $"heap snapshot of pid {pid} refused: its GC heap is {heapBefore / 1048576.0:F0} MB, over the ceiling of {settings.MaxHeapMB} MB (Agent:HeapSnapshot:MaxHeapMB): the dump's full blocking GC would pause it too long");
                }
            }
            logger.LogInformation("Heap snapshot of {Service} (pid {Pid}): GC heap {HeapMB} before the dump; inducing a full blocking GC",
                target.ServiceName, pid, heapBefore is { } h ? $"{h / 1048576.0:F1} MB" : "unknown");
            var dump = await HeapDumpSession.CollectAsync(pid, settings.MaxObjects, TimeSpan.FromSeconds(settings.TimeoutSeconds), ct);
            var snapshot = await Task.Run(() => HeapReduction.Reduce(dump, heapBefore, settings), ct);
            logger.LogInformation("Pid {Pid}: {Snapshot}", pid, HeapReduction.Describe(snapshot));
            return new HeapSnapshotResult(target, snapshot, dump.StartUtc, dump.EndUtc);
        }
        finally
        {
            _one.Release();
            // The graph is tens of MB of arrays: give it back now rather than carry it.
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
    }
}
