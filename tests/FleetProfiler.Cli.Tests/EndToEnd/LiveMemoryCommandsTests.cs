using System.IO.Compression;
using FleetProfiler.Profiles.Tests.Pprof;

namespace FleetProfiler.Cli.Tests.EndToEnd;

/// <summary>
/// The live-memory commands (growth, --kind inuse, heap) against the real platform, over the in-use windows and heap
/// snapshots <see cref="SeededPlatform"/> ingests for <see cref="SeededPlatform.InuseService"/>.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class LiveMemoryCommandsTests(SeededPlatform platform)
{
    private const string Service = SeededPlatform.InuseService;
    private const string Blind = "objects allocated before a window are not seen";

    private Task<CliResult> RunAsync(params string[] args) => Tool.RunAsync([.. args, "--gateway", platform.GatewayUrl]);

    private string[] OlderThenRecent =>
    [
        "--a-from", SeededPlatform.Iso(platform.OlderStart.AddMinutes(-1)), "--a-to", SeededPlatform.Iso(platform.OlderStart.AddMinutes(1)),
        "--b-from", SeededPlatform.Iso(platform.RecentStart.AddMinutes(-1)), "--b-to", SeededPlatform.Iso(platform.RecentStart.AddMinutes(1)),
    ];

    private static string[] Row(string output, int index) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[index].Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Growth_ranks_the_site_whose_in_use_bytes_grew_first_and_prints_the_blind_spot()
    {
        var r = await RunAsync(["growth", "--service", Service, .. OlderThenRecent]);

        Assert.True(r.ExitCode == 0, r.ToString());
        var (cacheA, cacheB) = (SeededPlatform.OlderInuse[0], SeededPlatform.RecentInuse[0]);
        var (parseA, parseB) = (SeededPlatform.OlderInuse[1], SeededPlatform.RecentInuse[1]);
        Assert.Equal(["+" + Count(cacheB.InuseBytes - cacheA.InuseBytes), Count(cacheA.InuseBytes), Count(cacheB.InuseBytes), "+" + Count(cacheB.InuseCount - cacheA.InuseCount), "app!Cache.Add"], Row(r.Out, 1));
        Assert.Equal(["-" + Count(parseA.InuseBytes - parseB.InuseBytes), Count(parseA.InuseBytes), Count(parseB.InuseBytes), "-" + Count(parseA.InuseCount - parseB.InuseCount), "app!Parser.Parse"], Row(r.Out, 2));
        Assert.Contains($"in use: A {Count(cacheA.InuseBytes + parseA.InuseBytes)} bytes", r.Out);
        Assert.Contains(Blind, r.Error);
    }

    [Fact]
    public async Task Top_inuse_ranks_by_bytes_in_use_of_the_latest_snapshot_not_by_bytes_allocated()
    {
        var r = await RunAsync(["top", "--service", Service, .. platform.RecentAndOlder, "--kind", "inuse"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        // The latest window only (a gauge): Cache.Add holds 50,000 of 51,000 bytes though Parser.Parse allocated more.
        var (cache, parse) = (SeededPlatform.RecentInuse[0], SeededPlatform.RecentInuse[1]);
        Assert.Equal(Count(cache.InuseBytes), Row(r.Out, 1)[0]);
        Assert.Equal("app!Cache.Add", Row(r.Out, 1)[^1]);
        Assert.Equal("app!Parser.Parse", Row(r.Out, 2)[^1]);
        Assert.StartsWith($"total {Count(cache.InuseBytes + parse.InuseBytes)} bytes", r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Contains("in use: the latest inuse window of each of 1 process(es)", r.Error);
        Assert.Contains(Blind, r.Error);
    }

    [Fact]
    public async Task Profile_inuse_prints_its_note_on_stderr_and_pprof_names_the_go_heap_sample_types()
    {
        var folded = await RunAsync(["profile", "--service", Service, .. platform.RecentAndOlder, "--kind", "inuse"]);
        var file = platform.Files.Combine("inuse.pb.gz");
        var pprof = await RunAsync(["profile", "--service", Service, .. platform.RecentAndOlder, "--kind", "inuse", "--format", "pprof", "-o", file]);

        Assert.True(folded.ExitCode == 0, folded.ToString());
        var (cache, parse) = (SeededPlatform.RecentInuse[0], SeededPlatform.RecentInuse[1]);
        Assert.Equal($"app!Program.Main;app!Cache.Add {cache.InuseBytes}\napp!Program.Main;app!Parser.Parse {parse.InuseBytes}\n",
            string.Concat(folded.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).Select(l => l + "\n")));
        Assert.Contains($"fleetprofiler: in use: the latest inuse window of each of 1 process(es), ending at ", folded.Error);
        Assert.Contains(Blind, folded.Error);

        Assert.True(pprof.ExitCode == 0, pprof.ToString());
        Assert.Contains(Blind, pprof.Error);
        using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        var profile = Profile.Parser.ParseFrom(gzip);
        Assert.Equal([("inuse_objects", "count"), ("inuse_space", "bytes")],
            profile.SampleType.Select(t => (profile.StringTable[(int)t.Type], profile.StringTable[(int)t.Unit])));
        var names = profile.Function.ToDictionary(f => f.Id, f => profile.StringTable[(int)f.Name]);
        var leaves = profile.Sample.ToDictionary(s => names[profile.Location.Single(l => l.Id == s.LocationId[0]).Line[0].FunctionId], s => (s.Value[0], s.Value[1]));
        Assert.Equal(new Dictionary<string, (long, long)> { ["app!Cache.Add"] = (cache.InuseCount, cache.InuseBytes), ["app!Parser.Parse"] = (parse.InuseCount, parse.InuseBytes) }, leaves);
    }

    [Fact]
    public async Task Heap_list_shows_both_snapshots_newest_first_and_heap_diff_ranks_the_type_that_grew()
    {
        var list = await RunAsync("heap", "list", "--service", Service);
        var diff = await RunAsync("heap", "diff", "--service", Service);

        Assert.True(list.ExitCode == 0, list.ToString());
        var host = SeededPlatform.Host;
        Assert.Equal([$"{host}/2", $"{host}/1"], list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..].Select(l => l.Split(' ')[0]));
        Assert.Contains(Count(SeededPlatform.RecentHeap.Sum(t => t.LiveBytes)), Row(list.Out, 1));
        Assert.Contains(Count(SeededPlatform.OlderHeap.Sum(t => t.LiveBytes)), Row(list.Out, 2));

        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.StartsWith($"A: {host}/1 ", diff.Out);
        Assert.Contains($"\nB: {host}/2 ", diff.Out);
        var (bytesA, bytesB) = (SeededPlatform.OlderHeap[0], SeededPlatform.RecentHeap[0]);
        Assert.Equal(["+" + Count(bytesB.LiveBytes - bytesA.LiveBytes), Count(bytesA.LiveBytes), Count(bytesB.LiveBytes), "+" + Count(bytesB.Objects - bytesA.Objects), "System.Byte[]"], Row(diff.Out, 3));
    }
}
