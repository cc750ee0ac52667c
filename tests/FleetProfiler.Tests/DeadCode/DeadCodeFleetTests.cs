using FleetProfiler.Protocol.V1;
using static FleetProfiler.Testing.CoverageFileSpec;
using DeadCodeClient = FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient;

namespace FleetProfiler.Tests.DeadCode;

/// <summary>
/// Coverage runs of three hosts of two services through the real gateway and silo (one platform process): the
/// day's intersection per file, a host missing from a day, UTC day boundaries, resends, the range merge.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DeadCodeFleetTests(PlatformFixture platform)
{
    private static readonly DateOnly Day = new(2026, 11, 3);
    private static readonly DateTimeOffset Midnight = new(2026, 11, 3, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_day_keeps_only_lines_missed_in_every_run_of_every_service_with_the_weakest_confidence()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + "/";
        var money = prefix + "src/Shared/Money.cs";
        var handler = prefix + "src/Orders/Handler.cs";
        var (orders, billing) = ("orders-" + prefix.TrimEnd('/'), "billing-" + prefix.TrimEnd('/'));
        var (a, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, orders);
        var (b, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, orders);
        var (c, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, billing);
        await using var _a = a;
        await using var _b = b;
        await using var _c = c;
        var seq = (ulong)Random.Shared.NextInt64(1, long.MaxValue / 4);
        (string, string, uint, DeadConfidence) Round = ("Shared.Money.Round", money, 26, DeadConfidence.DeadCertain);
        (string, string, uint, DeadConfidence) Parse = ("Shared.Money.Parse", money, 12, DeadConfidence.DeadProbable);

        // The day before, one second before midnight UTC: everything ran. It must not count for the day.
        await b.SendAckedAsync(CoverageBatches.Run(seq, orders, "host-b", Midnight.AddSeconds(-1), [new(money, Lines(10, 30), [], [])], deadMethods: []));
        // The day: orders on two hosts, billing on one (a canary), each running a different part of the shared file.
        var first = CoverageBatches.Run(seq + 1, orders, "host-a", Midnight, [new(money, Lines(10, 30), Lines(20, 30), [12]), new(handler, Lines(1, 9), Lines(5, 9), [])],
            deadMethods: [Round, Parse]);
        await a.SendAckedAsync(first);
        await b.SendAckedAsync(CoverageBatches.Run(seq + 2, orders, "host-b", Midnight.AddHours(12), [new(money, Lines(10, 30), Lines(25, 30), [12, 13])], deadMethods: [Round, Parse]));
        await c.SendAckedAsync(CoverageBatches.Run(seq + 3, billing, "host-c", Midnight.AddDays(1).AddTicks(-1), [new(money, Lines(10, 30), [12, .. Lines(26, 30)], [])],
            canary: true, deadMethods: [Round with { Item4 = DeadConfidence.DeadCertain }]));
        // A resend of an applied run (its ack was lost) is acknowledged as a duplicate and counted once.
        var resend = await a.SendBatchAsync(first);
        Assert.True(resend.Ack.Duplicate);
        // The next day, at midnight UTC: host-b sends nothing; the intersection is over host-a and host-c.
        await a.SendAckedAsync(CoverageBatches.Run(seq + 4, orders, "host-a", Midnight.AddDays(1), [new(money, Lines(10, 30), Lines(10, 30), [])], deadMethods: [Round]));
        await c.SendAckedAsync(CoverageBatches.Run(seq + 5, billing, "host-c", Midnight.AddDays(1).AddHours(3), [new(money, Lines(10, 30), Lines(10, 15), [])], deadMethods: []));

        var client = new DeadCodeClient(platform.Channel);
        var day = await client.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-03", ToDay = "2026-11-03", PathPrefix = prefix });
        Assert.Equal([money, handler], day.Files.Select(f => f.Path));   // both 5 certain lines; money has 1 probable more
        var m = day.Files.Single(f => f.Path == money);
        Assert.Equal((21, 5, 1), (m.ExecutableLines, m.DeadCertainLines, m.DeadProbableLines));
        Assert.Equal((3, 1, 3, 1), (m.Runs, m.CanaryRuns, m.Hosts, m.Days));
        Assert.Equal([billing, orders], m.Services);

        var annotated = await client.AnnotateFileAsync(new AnnotateFileRequest { Path = money, FromDay = "2026-11-03", ToDay = "2026-11-03", PeriodDays = 3 });
        LineStatus StatusOf(int line) => annotated.Lines.Single(l => l.Number == line).Status;
        Assert.Equal(LineStatus.NotExecutable, StatusOf(9));
        Assert.Equal(LineStatus.DeadProbable, StatusOf(12));   // missed by all three, probably by two of them
        Assert.Equal(LineStatus.Live, StatusOf(13));           // ran on host-a
        Assert.Equal(LineStatus.Live, StatusOf(25));           // ran on host-c only: billing's half
        Assert.All(Lines(26, 30), l => Assert.Equal(LineStatus.DeadCertain, StatusOf(l)));
        Assert.Equal(["host-a", "host-b", "host-c"], annotated.Runs.Select(r => r.Host).Order());
        Assert.All(annotated.Runs, r => Assert.Equal("2026-11-03", r.Day));
        Assert.True(annotated.Runs.Single(r => r.Host == "host-c").Canary);
        Assert.Equal(["Shared.Money.Round"], annotated.NotRunMethods.Select(x => x.Name));   // Parse: billing's run ran it
        Assert.Equal((1, "2026-11-03", "certain"), (annotated.NotRunMethods[0].DaysNotRun, annotated.NotRunMethods[0].SinceDay, annotated.NotRunMethods[0].Confidence));

        var next = await client.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-04", ToDay = "2026-11-04", PathPrefix = prefix });
        var n = Assert.Single(next.Files);
        Assert.Equal((6, 0, 2, 2), (n.DeadCertainLines, n.DeadProbableLines, n.Runs, n.Hosts));   // 10-15: missed on host-a and host-c

        var both = await client.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-03", ToDay = "2026-11-04", PathPrefix = prefix, Service = billing });
        var r = Assert.Single(both.Files);
        Assert.Equal((0, 1, 5, 2), (r.DeadCertainLines, r.DeadProbableLines, r.Runs, r.Days));   // only line 12 was missed in all five runs
        var ordersOnly = await client.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-03", ToDay = "2026-11-03", PathPrefix = prefix, Service = orders });
        Assert.Equal(2, ordersOnly.Files.Count);
    }
}
