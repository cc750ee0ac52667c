using FleetProfiler.Grains.Hosting;
using FleetProfiler.Grains.Profiles;
using FleetProfiler.Silo.Storage;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>
/// One in-process TestCluster shared by the grain tests of a collection, registered as the single-node silo is:
/// <see cref="GrainRegistration.AddFleetProfilerGrains"/> and <see cref="SingleNodeStorage"/> (SQLite in a temporary
/// directory, in-memory reminders); only the settings differ (small minute buckets, 1 s minimum reminder period).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private const string DataDirectoryKey = "FleetProfilerTests:DataDirectory";
    private readonly TempDirectory _data = new("cluster");

    public ClusterFixture()
    {
        var builder = new TestClusterBuilder(1);
        builder.Properties[DataDirectoryKey] = _data.Path;
        Cluster = builder.AddSiloBuilderConfigurator<Configurator>().Build();
    }

    public TestCluster Cluster { get; }
    public IGrainFactory Grains => Cluster.GrainFactory;

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _data.Dispose();
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var dataDirectory = silo.Configuration[DataDirectoryKey] ?? throw new InvalidOperationException($"{DataDirectoryKey} is not set");
            silo.AddSingleNodeStorage(dataDirectory, "NORMAL");
            silo.AddFleetProfilerGrains(new ProfileStoreOptions { MinuteNodes = 100 });
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
