using System.Collections.Concurrent;
using FleetProfiler.Grains.Hosting;
using FleetProfiler.Grains.Profiles;
using FleetProfiler.Grains.Schedules;
using FleetProfiler.Silo.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>
/// One in-process TestCluster shared by the grain tests of a collection, registered as the single-node silo is:
/// <see cref="GrainRegistration.AddFleetProfilerGrains"/> and <see cref="SingleNodeStorage"/> (SQLite in a temporary
/// directory, reminders in its SQLite table); only the settings differ (small minute buckets, 1 s minimum reminder period,
/// 1 s minimum schedule period, a pinned schedule seed).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private const string DataDirectoryKey = "FleetProfilerTests:DataDirectory";
    private const string ClockKey = "FleetProfilerTests:Clock";

    /// <summary>The clocks of the clusters of this run, by id: silo configuration carries strings only.</summary>
    private static readonly ConcurrentDictionary<string, TimeProvider> Clocks = new();

    private readonly TempDirectory _data = new("cluster");

    public ClusterFixture() : this(TimeProvider.System)
    {
    }

    /// <summary>A cluster whose grains take "now" from <paramref name="clock"/>.</summary>
    internal ClusterFixture(TimeProvider clock)
    {
        var clockId = Guid.NewGuid().ToString("N");
        Clocks[clockId] = clock;
        var builder = new TestClusterBuilder(1);
        builder.Properties[DataDirectoryKey] = _data.Path;
        builder.Properties[ClockKey] = clockId;
        Cluster = builder.AddSiloBuilderConfigurator<Configurator>().Build();
    }

    /// <summary>The seed of the schedules' host choice in the test cluster.</summary>
    public const long Seed = 20261129;

    public TestCluster Cluster { get; }
    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>The cluster's client, for grain observers (a fake agent connection).</summary>
    public IClusterClient Client => Cluster.Client;

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
            // Before the grains' registration, which adds the system clock only when none is registered.
            silo.Services.AddSingleton(Clocks[silo.Configuration[ClockKey]!]);
            silo.AddSingleNodeStorage(dataDirectory, "NORMAL");
            // A pinned seed: the schedule grain's host choice is reproducible run by run.
            silo.AddFleetProfilerGrains(new ProfileStoreOptions { MinuteNodes = 100 }, new ScheduleOptions { Seed = Seed, MinimumPeriod = TimeSpan.FromSeconds(1) });
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>A cluster of its own whose clock only moves when a test advances it.</summary>
public sealed class FakeClockClusterFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ClusterFixture _cluster;

    public FakeClockClusterFixture() => _cluster = new ClusterFixture(Clock);

    public FakeTimeProvider Clock { get; } = new(Start);

    public IGrainFactory Grains => _cluster.Grains;

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class FakeClockClusterCollection : ICollectionFixture<FakeClockClusterFixture>
{
    public const string Name = "cluster with a fake clock";
}
