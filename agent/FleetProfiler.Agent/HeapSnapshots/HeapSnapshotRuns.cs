using FleetProfiler.Agent.Spool;
using FleetProfiler.Agent.Triggers;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.HeapSnapshots;

/// <summary>
/// Carries out heap snapshot requests from every trigger (schedule, signal, gateway command): one snapshot per process
/// at a time, each spooled as one batch. A snapshot is one induced GC: there is nothing to stop. A refusal (the heap
/// is over the ceiling) or a timeout is a warning with its reason.
/// </summary>
public sealed class HeapSnapshotRuns(
    TargetRegistry registry,
    ProcessDiscovery discovery,
    HeapSnapshotCollector collector,
    WindowSpool spool,
    GatewayLimits limits,
    IOptions<AgentOptions> options,
    ILogger<HeapSnapshotRuns> logger) : TargetRuns(registry, discovery, spool, logger)
{
    public override string RunName => "heap snapshot";

    public override string ResultName => "heap snapshot";

    public override string Verb => "snapshot";

    protected override string? Explain(Exception e, TargetProcess target) => e switch
    {
        HeapSnapshotRefusedException => e.Message,
        TimeoutException => $"no heap snapshot of pid {target.ProcessId}: {e.Message}",
        _ => null,
    };

    protected override async Task<Batch> CollectAsync(TargetProcess target) =>
        HeapSnapshotBatches.From(await collector.CollectAsync(target), options.Value.EffectiveHost, limits.Current.MaxBatchBytes - BatchLimits.HeaderReserve);
}
