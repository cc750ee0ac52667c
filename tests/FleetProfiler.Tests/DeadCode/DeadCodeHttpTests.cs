using System.Net;
using static FleetProfiler.Testing.CoverageFileSpec;

namespace FleetProfiler.Tests.DeadCode;

/// <summary>/api/deadcode on the HTTP/1.1 port of the real platform process.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DeadCodeHttpTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_listing_exports_csv_and_tsv_the_annotated_file_json_and_bad_arguments_are_400()
    {
        var service = "http-" + Guid.NewGuid().ToString("N")[..8];
        var path = service + "/src/Dead.cs";
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;
        await agent.SendAckedAsync(CoverageBatches.Run((ulong)Random.Shared.NextInt64(1, long.MaxValue / 2), service, "host-a",
            new DateTimeOffset(2026, 11, 14, 6, 0, 0, TimeSpan.Zero), [new(path, Lines(1, 4), [4], [])]));
        using var http = platform.Http();

        var csv = await http.GetStringAsync($"/api/deadcode?from=2026-11-14&to=2026-11-14&service={service}&format=csv");
        Assert.Equal($"{path},1,0,4,1,0,1,1,{service},,,0,0", csv.Split('\n')[1]);
        var tsv = await http.GetStringAsync($"/api/deadcode?from=2026-11-14&service={service}&format=tsv");
        Assert.StartsWith("path\tdead_certain_lines\t", tsv);
        var json = await http.GetStringAsync($"/api/deadcode/annotate?path={path}&from=2026-11-14&to=2026-11-14");
        Assert.Contains("\"LINE_STATUS_DEAD_CERTAIN\"", json);
        var lines = await http.GetStringAsync($"/api/deadcode/annotate?path={path}&from=2026-11-14&format=tsv");
        Assert.Equal(["line\tstatus\ttext", "1\tlive\t", "2\tlive\t", "3\tlive\t", "4\tdead-certain\t"], lines.TrimEnd('\n').Split('\n'));

        var bad = await http.GetAsync("/api/deadcode?from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("from_day: 'yesterday' is not a day", await bad.Content.ReadAsStringAsync());
        var missing = await http.GetAsync("/api/deadcode/annotate?path=none/A.cs&from=2026-11-14");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
