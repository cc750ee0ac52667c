using FleetProfiler.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace FleetProfiler.Silo.Storage;

/// <summary>
/// Single-node storage: grain state and profiles in SQLite files of one directory, reminders in memory (the rollup's
/// start-up task re-registers its reminder at every start). The silo and the test cluster both use it.
/// </summary>
public static class SingleNodeStorage
{
    /// <summary>Adds <c>grains.db</c> and <c>profiles.db</c> in <paramref name="dataDirectory"/> (which must exist).</summary>
    public static ISiloBuilder AddSingleNodeStorage(this ISiloBuilder silo, string dataDirectory, string synchronous)
    {
        var grains = new SqliteStorageOptions { DatabasePath = Path.Combine(dataDirectory, "grains.db"), Synchronous = synchronous };
        silo.UseInMemoryReminderService();
        silo.Services.AddGrainStorage(StorageNames.Fleet, (sp, name) =>
            new SqliteGrainStorage(name, grains, sp.GetRequiredService<IGrainStorageSerializer>()));
        silo.Services.AddSingleton<IProfileStore>(new SqliteProfileStore(Path.Combine(dataDirectory, "profiles.db"), synchronous));
        return silo;
    }
}
