using FleetProfiler.Grains.Profiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Hosting;

namespace FleetProfiler.Grains.Hosting;

/// <summary>
/// What the grains need from a silo besides storage, in one call used by the silo process and by the test cluster,
/// so both run the grains with the same services and start-up tasks.
/// </summary>
public static class GrainRegistration
{
    /// <summary>
    /// Registers the profile and schedule options, the rollup and the reader the grains delegate to, the clock (unless one is
    /// registered already, e.g. a fake in tests) and the start-up task that starts the rollup. The host adds the
    /// grain storage <see cref="StorageNames.Fleet"/>, a reminder service and an <see cref="Storage.IProfileStore"/>.
    /// </summary>
    public static ISiloBuilder AddFleetProfilerGrains(this ISiloBuilder silo, ProfileStoreOptions options, Schedules.ScheduleOptions? schedules = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        silo.Services.AddSingleton(options);
        silo.Services.AddSingleton(schedules ?? new Schedules.ScheduleOptions());
        silo.Services.AddSingleton<ProfileRollup>();
        silo.Services.AddSingleton<ProfileReader>();
        silo.Services.AddSingleton<Endpoints.UsageReader>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RollupBootstrap>();
        return silo;
    }
}
