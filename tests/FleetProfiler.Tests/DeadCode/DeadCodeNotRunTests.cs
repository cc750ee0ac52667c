using FleetProfiler.Protocol.V1;
using static FleetProfiler.Testing.CoverageFileSpec;
using DeadCodeClient = FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient;

namespace FleetProfiler.Tests.DeadCode;

/// <summary>"Not run for N days" over a usage period as a fleet-wide query (gRPC ListNotRun, /api/deadcode/notrun).</summary>
[Collection(PlatformCollection.Name)]
public sealed class DeadCodeNotRunTests(PlatformFixture platform)
{
    [Fact]
    public async Task Methods_and_files_not_run_for_at_least_N_covered_days_are_listed_longest_first()
    {
        var service = "notrun-" + Guid.NewGuid().ToString("N")[..8];
        var (a, b) = (service + "/src/A.cs", service + "/src/B.cs");
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;
        var seq = (ulong)Random.Shared.NextInt64(1, long.MaxValue / 4);
        (string, string, uint, DeadConfidence) Old = ("A.Old", a, 3, DeadConfidence.DeadCertain);
        (string, string, uint, DeadConfidence) Rare = ("A.Rare", a, 7, DeadConfidence.DeadProbable);
        (string, string, uint, DeadConfidence) Unused = ("B.Unused", b, 1, DeadConfidence.DeadCertain);
        var days = new[] { 18, 19, 20 };
        var dead = new[] { new[] { Old, Rare, Unused }, [Old, Unused], [Old, Rare, Unused] };
        for (var i = 0; i < days.Length; i++)
        {
            // A.cs always runs some lines; no line of B.cs ever runs.
            await agent.SendAckedAsync(CoverageBatches.Run(seq + (ulong)i, service, "host-a", new DateTimeOffset(2026, 11, days[i], 12, 0, 0, TimeSpan.Zero),
                [new(a, Lines(1, 10), Lines(1, 7), []), new(b, Lines(1, 5), Lines(1, 5), [])], deadMethods: dead[i]));
        }
        var client = new DeadCodeClient(platform.Channel);

        var all = await client.ListNotRunAsync(new ListNotRunRequest { ToDay = "2026-11-20", PeriodDays = 3, Service = service });
        var twoDays = await client.ListNotRunAsync(new ListNotRunRequest { ToDay = "2026-11-20", PeriodDays = 3, MinDays = 2, Service = service });
        var shortPeriod = await client.ListNotRunAsync(new ListNotRunRequest { ToDay = "2026-11-20", PeriodDays = 1, Service = service });

        Assert.Equal(("2026-11-18", "2026-11-20", 4), (all.FromDay, all.ToDay, all.Matched));
        Assert.Equal(
            [(a, "A.Old", 3, "2026-11-18", "certain"), (b, "", 3, "2026-11-18", ""), (b, "B.Unused", 3, "2026-11-18", "certain"), (a, "A.Rare", 1, "2026-11-20", "probable")],
            all.Entries.Select(e => (e.Path, e.Method, e.DaysNotRun, e.SinceDay, e.Confidence)));
        Assert.All(all.Entries, e => Assert.Equal(3, e.CoveredDays));
        Assert.Equal(["A.Old", "", "B.Unused"], twoDays.Entries.Select(e => e.Method));
        Assert.All(shortPeriod.Entries, e => Assert.Equal(1, e.DaysNotRun));

        using var http = platform.Http();
        var tsv = (await http.GetStringAsync($"/api/deadcode/notrun?to=2026-11-20&period=3&min=2&service={service}&format=tsv")).TrimEnd('\n').Split('\n');
        Assert.Equal(["path\tmethod\tline\tdays_not_run\tsince_day\tconfidence\tcovered_days", $"{a}\tA.Old\t3\t3\t2026-11-18\tcertain\t3"], tsv[..2]);
        var bad = await http.GetAsync("/api/deadcode/notrun?period=400");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
