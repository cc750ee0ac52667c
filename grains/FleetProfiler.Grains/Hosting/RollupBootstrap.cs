using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Grains.Hosting;

/// <summary>
/// Starts the profile rollup once the silo is active. Single-node mode keeps reminders in memory, so this is what
/// brings the rollup back after a restart; in cluster mode it is an idempotent update of the keep-alive reminder.
/// </summary>
public sealed class RollupBootstrap(IGrainFactory grains) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RollupBootstrap), ServiceLifecycleStage.Active,
            _ => grains.GetGrain<IProfileRollupGrain>(IProfileRollupGrain.Key).EnsureRunningAsync());
}
