using FleetProfiler.Agent.Spool;
using FleetProfiler.Agent.Triggers;
using FleetProfiler.Protocol.V1;

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
    ILogger<CoverageRuns> logger) : TargetRuns(registry, discovery, spool, logger)
{
    public override string RunName => "coverage run";

    public override string ResultName => "coverage";

    public override string Verb => "cover";

    protected override async Task<Batch> CollectAsync(TargetProcess target) =>
        CoverageBatches.From(await collector.CollectAsync(target), options.Value.EffectiveHost, limits.Current);
}
