using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>One in-process TestCluster shared by the grain tests of a collection (memory storage, in-memory reminders).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The SQLite profile store of the in-process silos; removed with the cluster.</summary>
    private static readonly TempDirectory StoreDirectory = new("cluster");

    public TestCluster Cluster { get; } = new TestClusterBuilder(1).AddSiloBuilderConfigurator<Configurator>().Build();
    public IGrainFactory Grains => Cluster.GrainFactory;

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        StoreDirectory.Dispose();
    }

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
            silo.Services.AddSingleton<FleetProfiler.Grains.Storage.IProfileStore>(new FleetProfiler.Silo.Storage.SqliteProfileStore(StoreDirectory.Combine("profiles.db"), "NORMAL"));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
