using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>One in-process TestCluster shared by the grain tests of a collection (memory storage, in-memory reminders).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; } = new TestClusterBuilder(1).AddSiloBuilderConfigurator<Configurator>().Build();
    public IGrainFactory Grains => Cluster.GrainFactory;

    public Task InitializeAsync() => Cluster.DeployAsync();
    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(StorageNames.Fleet);
            silo.UseInMemoryReminderService();
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton(new FleetProfiler.Grains.Profiles.ProfileStoreOptions { MinuteNodes = 100 });
            silo.Services.AddSingleton<FleetProfiler.Grains.Profiles.ProfileRollup>();
            silo.Services.AddSingleton<FleetProfiler.Grains.Profiles.ProfileReader>();
            var dir = Path.Combine(Path.GetTempPath(), "fleetprofiler-tests", "cluster-" + Guid.NewGuid().ToString("N")[..8]);
            silo.Services.AddSingleton<FleetProfiler.Grains.Storage.IProfileStore>(new FleetProfiler.Silo.Storage.SqliteProfileStore(Path.Combine(dir, "profiles.db"), "NORMAL"));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
