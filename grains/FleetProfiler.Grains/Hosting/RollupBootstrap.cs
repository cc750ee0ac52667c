using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Grains.Hosting;

/// <summary>
/// Starts the profile rollup once the silo is active: an idempotent update of the keep-alive reminder (stored in
/// SQLite or PostgreSQL), so a new deployment's settings apply and a fresh data directory gets one.
/// </summary>
public sealed class RollupBootstrap(IGrainFactory grains) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RollupBootstrap), ServiceLifecycleStage.Active,
            _ => grains.GetGrain<IProfileRollupGrain>(IProfileRollupGrain.Key).EnsureRunningAsync());
}
