using Grpc.Net.Client;
using ScheduleClient = FleetProfiler.Protocol.V1.Schedule.ScheduleClient;

namespace FleetProfiler.Tests.Schedules;

/// <summary>Cluster mode against the real PostgreSQL that .ci/run starts: a schedule's reminder lives in orleans_reminder and outlives the silo.</summary>
public sealed class ScheduleOnPostgresTests
{
    internal static Dictionary<string, string> Settings(string cluster, int grpcPort, int httpPort)
    {
        var agent = PlatformFixture.AgentA;
        var settings = new Dictionary<string, string>(ScheduleThroughPlatformTests.FastSchedules)
        {
            ["Mode"] = "cluster",
            ["ClusterId"] = cluster,
            ["ServiceId"] = cluster,
            ["PostgreSql:ConnectionString"] = TestPostgres.ConnectionString,
            ["Dashboard:Enabled"] = "false",
            // The silo serves the gateway too, so the agent's stream and the schedule API are on this process.
            ["HostGateway"] = "true",
            ["Gateway:GrpcPort"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:HttpPort"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The documented fast-failure settings (README "Cluster mode").
            ["Membership:ProbeTimeout"] = "00:00:01",
            ["Membership:NumMissedProbesLimit"] = "2",
            ["Membership:IAmAliveTablePublishTimeout"] = "00:00:05",
            ["Membership:TableRefreshTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in TestKeys.AgentSettings([agent]))
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task A_schedule_keeps_firing_after_the_cluster_silo_is_killed_and_restarted()
    {
        var cluster = "s" + Guid.NewGuid().ToString("N")[..10];
        var service = "sched-pg-" + Guid.NewGuid().ToString("N")[..6];
        var agent = PlatformFixture.AgentA;
        using var dir = new TempDirectory();
        var ports = FreePorts.Take(4);
        var settings = Settings(cluster, ports[2], ports[3]);
        long firstRun;

        await using (var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]))
        {
            await silo.WaitReadyAsync();
            using var channel = TestKeys.Channel($"http://127.0.0.1:{ports[2]}");
            var (stream, _) = await AgentStream.ConnectAsync(channel, agent.AgentId, agent.Host, agent.Token, service);
            await using var _ = stream;
            await new ScheduleClient(channel).SetAsync(ScheduleThroughPlatformTests.EveryTwoSeconds(service));
            firstRun = ScheduleThroughPlatformTests.RunNumber((await ScheduleThroughPlatformTests.NextCommandAsync(stream)).Id);
            Assert.Equal(1, await TestPostgres.CountAsync("select count(*) from orleans_reminder where service_id = @s and reminder_name = 'schedule:cpu'", ("s", cluster)));
            await silo.KillAsync();
        }

        await using (var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]))
        {
            await silo.WaitReadyAsync();
            using var channel = TestKeys.Channel($"http://127.0.0.1:{ports[2]}");
            var (stream, _) = await AgentStream.ConnectAsync(channel, agent.AgentId, agent.Host, agent.Token, service);
            await using var _ = stream;
            // Nothing registers schedules at start: this command comes from the reminder row in PostgreSQL.
            var next = await ScheduleThroughPlatformTests.NextCommandAsync(stream);
            Assert.StartsWith($"schedule/{service}/cpu-", next.Id);
            Assert.True(ScheduleThroughPlatformTests.RunNumber(next.Id) > firstRun, $"{next.Id} follows run {firstRun}");
        }
    }
}
