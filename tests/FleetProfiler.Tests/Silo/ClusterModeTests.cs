using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Profiles;
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
        // The rollup's keep-alive reminder, due soon so that the test sees it fire.
        ["Reminders:MinimumReminderPeriod"] = "00:00:10",
        ["Profiles:KeepAliveDue"] = "00:00:01",
        ["Profiles:KeepAlivePeriod"] = "00:00:10",
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
            await client.Client.GetGrain<IHostGrain>(key).RegisterAgentAsync(new AgentRegistration("agent-" + i, "1.0"));
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

        // The rollup's keep-alive reminder lives in PostgreSQL; re-registered now, it fires on the survivor.
        Assert.Equal(1, await TestPostgres.CountAsync("select count(*) from orleans_reminder where service_id = @s and reminder_name = 'rollup-keepalive'", ("s", cluster)));
        var rollup = client.Client.GetGrain<IProfileRollupGrain>(IProfileRollupGrain.Key);
        var registered = DateTimeOffset.UtcNow;
        await rollup.EnsureRunningAsync();
        var health = await Eventually.Until(rollup.GetHealthAsync, h => h.LastKeepAliveReminderAt >= registered, TimeSpan.FromSeconds(60), "the keep-alive reminder fires");
        Assert.True(health.Healthy);
    }
}
