using FleetProfiler.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace FleetProfiler.Silo.Storage;

/// <summary>
/// Single-node storage: grain state, reminders and profiles in SQLite files of one directory, so reminders (the
/// rollup's keep-alive, the services' profiling schedules) survive a restart. The silo and the test cluster both use it.
/// </summary>
public static class SingleNodeStorage
{
    /// <summary>Adds <c>grains.db</c> (grain state and reminders) and <c>profiles.db</c> in <paramref name="dataDirectory"/> (which must exist).</summary>
    public static ISiloBuilder AddSingleNodeStorage(this ISiloBuilder silo, string dataDirectory, string synchronous)
    {
        var grains = new SqliteStorageOptions { DatabasePath = Path.Combine(dataDirectory, "grains.db"), Synchronous = synchronous };
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable>(sp =>
            new SqliteReminderTable(grains, sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        silo.Services.AddGrainStorage(StorageNames.Fleet, (sp, name) =>
            new SqliteGrainStorage(name, grains, sp.GetRequiredService<IGrainStorageSerializer>()));
        silo.Services.AddSingleton<IProfileStore>(sp => new SqliteProfileStore(Path.Combine(dataDirectory, "profiles.db"), synchronous, sp.GetService<ServiceFrames>()));
        return silo;
    }
}
