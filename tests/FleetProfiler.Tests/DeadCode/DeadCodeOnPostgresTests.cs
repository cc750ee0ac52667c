using FleetProfiler.Protocol.V1;
using FleetProfiler.Tests.Schedules;
using static FleetProfiler.Testing.CoverageFileSpec;
using DeadCodeClient = FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient;

namespace FleetProfiler.Tests.DeadCode;

/// <summary>
/// Cluster mode against the real PostgreSQL that .ci/run starts: file-days and day indexes are grain state in
/// orleans_grain_state; the day's intersection over hosts, UTC day boundaries and resends survive a killed silo.
/// </summary>
public sealed class DeadCodeOnPostgresTests
{
    [Fact]
    public async Task The_days_intersection_over_two_hosts_survives_a_killed_cluster_silo_and_a_resend_stays_a_duplicate()
    {
        var cluster = "d" + Guid.NewGuid().ToString("N")[..10];
        var service = "dead-pg-" + Guid.NewGuid().ToString("N")[..6];
        var path = service + "/src/Orders/Handler.cs";
        using var dir = new TempDirectory();
        var ports = FreePorts.Take(4);
        var settings = ScheduleOnPostgresTests.Settings(cluster, ports[2], ports[3]);
        var (a, b) = (PlatformFixture.AgentA, PlatformFixture.AgentB);
        foreach (var (key, value) in TestKeys.AgentSettings([b], first: 1))
        {
            settings[key] = value;
        }
        var midnight = new DateTimeOffset(2026, 11, 17, 0, 0, 0, TimeSpan.Zero);
        var seq = (ulong)Random.Shared.NextInt64(1, long.MaxValue / 4);
        var hostA = CoverageBatches.Run(seq + 1, service, a.Host, midnight, [new(path, Lines(1, 20), Lines(1, 9), [])],
            deadMethods: [("Orders.Handler.Old", path, 1, DeadConfidence.DeadCertain)]);

        await using (var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]))
        {
            await silo.WaitReadyAsync();
            using var channel = TestKeys.Channel($"http://127.0.0.1:{ports[2]}");
            var (sa, _) = await AgentStream.ConnectAsync(channel, a.AgentId, a.Host, a.Token, service);
            var (sb, _) = await AgentStream.ConnectAsync(channel, b.AgentId, b.Host, b.Token, service);
            await using var _a = sa;
            await using var _b = sb;
            // One millisecond before midnight UTC everything ran: that is the day before and must not count.
            await sb.SendAckedAsync(CoverageBatches.Run(seq, service, b.Host, midnight.AddMilliseconds(-1), [new(path, Lines(1, 20), [], [])], deadMethods: []));
            await sa.SendAckedAsync(hostA);
            await sb.SendAckedAsync(CoverageBatches.Run(seq + 2, service, b.Host, midnight.AddHours(23), [new(path, Lines(1, 20), [6, .. Lines(8, 14)], [7])],
                deadMethods: [("Orders.Handler.Old", path, 1, DeadConfidence.DeadCertain)]));
            Assert.True(await TestPostgres.CountAsync("select count(*) from orleans_grain_state where service_id = @s and grain_id_extension like @k",
                ("s", cluster), ("k", "2026-11-17/%")) >= 1, "the file-day is a row of orleans_grain_state");
            await silo.KillAsync();
        }

        await using (var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]))
        {
            await silo.WaitReadyAsync();
            using var channel = TestKeys.Channel($"http://127.0.0.1:{ports[2]}");
            var (sa, _) = await AgentStream.ConnectAsync(channel, a.AgentId, a.Host, a.Token, service);
            await using var _a = sa;
            Assert.True((await sa.SendBatchAsync(hostA)).Ack.Duplicate);

            var client = new DeadCodeClient(channel);
            var day = Assert.Single((await client.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-17", ToDay = "2026-11-17", Service = service })).Files);
            // Host a missed 1-9, host b 6-14 (7 probably): dead = 6-9, of which 7 probable.
            Assert.Equal((path, 20, 3, 1, 2, 2), (day.Path, day.ExecutableLines, day.DeadCertainLines, day.DeadProbableLines, day.Runs, day.Hosts));
            var before = Assert.Single((await client.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-16", ToDay = "2026-11-16", Service = service, IncludeLive = true })).Files);
            Assert.Equal((0, 1), (before.DeadCertainLines, before.Runs));
            var annotated = await client.AnnotateFileAsync(new AnnotateFileRequest { Path = path, FromDay = "2026-11-16", ToDay = "2026-11-17", PeriodDays = 2 });
            Assert.Equal(LineStatus.Live, annotated.Lines.Single(l => l.Number == 8).Status);   // ran on the 16th
            var old = Assert.Single(annotated.NotRunMethods);
            Assert.Equal(("Orders.Handler.Old", 1), (old.Name, old.DaysNotRun));
        }
    }
}
