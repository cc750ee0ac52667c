using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Services;
using Orleans.Runtime;

namespace FleetProfiler.Tests.Silo;

/// <summary>Cluster mode against the real PostgreSQL that .ci/run starts: membership, grain state and reminders in our schema.</summary>
public sealed class ClusterModeTests
{
    private static Dictionary<string, string> ClusterSettings(string cluster) => new()
    {
        ["Mode"] = "cluster",
        ["ClusterId"] = cluster,
        ["ServiceId"] = cluster,
        ["PostgreSql:ConnectionString"] = TestPostgres.ConnectionString,
        ["Dashboard:Enabled"] = "false",
        // The documented fast-failure settings (README "Cluster mode"): a dead silo is declared in ~1-2 s.
        ["Membership:ProbeTimeout"] = "00:00:01",
        ["Membership:NumMissedProbesLimit"] = "2",
        ["Membership:IAmAliveTablePublishTimeout"] = "00:00:05",
        ["Membership:TableRefreshTimeout"] = "00:00:05",
    };

    [Fact]
    public async Task Two_silos_form_a_cluster_and_a_killed_silos_grains_reactivate_with_state_on_the_survivor()
    {
        var cluster = "c" + Guid.NewGuid().ToString("N")[..10];
        using var dirA = new TempDirectory();
        using var dirB = new TempDirectory();
        var ports = FreePorts.Take(4);
        await using var a = SiloProcess.Start(dirA.Path, ClusterSettings(cluster), ports[0], ports[1]);
        await a.WaitReadyAsync();
        await using var b = SiloProcess.Start(dirB.Path, ClusterSettings(cluster), ports[2], ports[3]);
        await b.WaitReadyAsync();
        await using var client = await OrleansClient.PostgresAsync(TestPostgres.ConnectionString, cluster, cluster);
        var management = client.Client.GetGrain<IManagementGrain>(0);
        await Eventually.Until(() => management.GetHosts(onlyActive: true), h => h.Count == 2, TimeSpan.FromSeconds(60), "two active silos");

        // Activate hosts until one lives on silo B, so that killing B must move it.
        string? onB = null;
        for (var i = 0; onB is null && i < 64; i++)
        {
            var key = HostKey.Of("api", "host-" + i);
            await client.Client.GetGrain<IHostGrain>(key).RegisterAgentAsync(new AgentRegistration("agent-" + i, "1.0", DateTimeOffset.UtcNow));
            var stats = await management.GetDetailedGrainStatistics(hostsIds: null);
            if (stats.Any(s => s.GrainId.Key.ToString() == key && s.SiloAddress.Endpoint.Port == b.SiloPort)) onB = key;
        }
        Assert.NotNull(onB);
        Assert.True(await TestPostgres.CountAsync("select count(*) from orleans_grain_state where service_id = @s and grain_id_extension = @k", ("s", cluster), ("k", onB)) == 1,
            "the host's state row is in PostgreSQL");

        await b.KillAsync();

        await Eventually.Until(() => management.GetHosts(onlyActive: true), h => h.Count == 1, TimeSpan.FromSeconds(60), "the killed silo declared dead");
        var info = await Eventually.Until(() => client.Client.GetGrain<IHostGrain>(onB).GetInfoAsync(), i => i is not null, TimeSpan.FromSeconds(60), "the grain answers again");
        Assert.Equal("agent-" + onB.Split('-')[^1], info!.AgentId);
        var stats2 = await management.GetDetailedGrainStatistics(hostsIds: null);
        Assert.Contains(stats2, s => s.GrainId.Key.ToString() == onB && s.SiloAddress.Endpoint.Port == a.SiloPort);

        // A reminder registered now lives in PostgreSQL and fires on the survivor.
        var service = client.Client.GetGrain<IServiceGrain>("api");
        await service.ScheduleAsync(new ProfilingSchedule(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)));
        Assert.Equal(1, await TestPostgres.CountAsync("select count(*) from orleans_reminder where service_id = @s and reminder_name = 'profiling-schedule'", ("s", cluster)));
        var status = await Eventually.Until(service.GetScheduleStatusAsync, s => s.Ticks >= 1, TimeSpan.FromSeconds(60), "the schedule reminder fires");
        Assert.NotNull(status.LastTick);
    }
}
