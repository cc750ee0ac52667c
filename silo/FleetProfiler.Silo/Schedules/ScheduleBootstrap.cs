using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Silo.Hosting;

namespace FleetProfiler.Silo.Schedules;

/// <summary>
/// Registers the configured profiling schedules once the silo is active. Single-node mode keeps reminders
/// in memory, so this is what brings them back after a restart; in cluster mode it is an idempotent update.
/// </summary>
public sealed class ScheduleBootstrap(SiloSettings settings, IGrainFactory grains, ILogger<ScheduleBootstrap> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ScheduleBootstrap), ServiceLifecycleStage.Active, RegisterAsync);

    private async Task RegisterAsync(CancellationToken ct)
    {
        await grains.GetGrain<IProfileRollupGrain>(IProfileRollupGrain.Key).EnsureRunningAsync();
        foreach (var s in settings.Schedules)
        {
            await grains.GetGrain<IServiceGrain>(s.Service).ScheduleAsync(new ProfilingSchedule(s.FirstDue, s.Period));
            logger.LogInformation("Profiling schedule of {Service}: every {Period}, first in {FirstDue}", s.Service, s.Period, s.FirstDue);
        }
    }
}
