using System.Diagnostics;
using System.Text.Json;
using FleetProfiler.Benchmarks.Workload;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Xunit.Abstractions;
using static FleetProfiler.Web.Tests.Pages.FlameExplorer;

namespace FleetProfiler.Web.Tests.Benchmarks;

/// <summary>
/// Issue 11's "time to a 24 h service flamegraph" on a real day of data: a platform of its own is seeded through the
/// real gateway with a day of one service (default 24 hosts × one 10 s window every 15 min = 2,304 windows over the
/// past 24 h, realistic windows from the platform benchmarks' <see cref="WindowFactory"/>, each acked), compacted
/// (Status/Compact until it compacts nothing), then the explorer is loaded on the 24 h range several times, alternating
/// with the same page on a 1 h range (the baseline, same run). Navigation start → graph drawn is read in the page
/// (window.fleetFlame.drawnAt), and split with the Resource Timing of /api/timeline and /api/flame into the page's own
/// start, the server's time to first byte, the transfer, and the script's parse and draw. Prints the figures; asserts
/// only that what was measured is what was meant (every window acked, compaction finished, the graph drawn from the
/// day's windows). Hosts: FLEETPROFILER_WEB_BENCH_DAY_HOSTS (default 24); loads: FLEETPROFILER_WEB_BENCH_LOADS (default 7).
/// </summary>
[Collection(WebCollection.Name)]
public sealed class DayFlameBenchmark(WebPlatform web, ITestOutputHelper output)
{
    private const string Service = "checkout";
    private const int WindowsPerHost = 96; // one every 15 min
    private static readonly TimeSpan WindowLength = TimeSpan.FromSeconds(10);

    [BenchmarkFact]
    public async Task Time_to_a_24_h_service_flamegraph_of_a_full_day_drawn()
    {
        var hosts = Setting("FLEETPROFILER_WEB_BENCH_DAY_HOSTS", 24);
        var loads = Setting("FLEETPROFILER_WEB_BENCH_LOADS", 7);
        var agents = Enumerable.Range(0, hosts)
            .Select(i => new AgentCredential($"day-agent-{i:D3}", $"day-host-{i:D3}", $"day-token-{i:D3}-0123456789abcdef")).ToList();
        var overrides = TestKeys.AgentSettings(agents, 10);
        // A realistic window is ~330 KiB; the kit's platform keeps the small test limit otherwise.
        overrides["Ingest:Limits:MaxBatchBytes"] = (2 * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
        await using var platform = await PlatformFixture.StartAsync(overrides);

        var now = DateTimeOffset.UtcNow;
        var (windows, ingestSeconds, shape) = await SeedDayAsync(platform, agents, now);
        Print($"day seeded: {Service}, {hosts} hosts × {WindowsPerHost} windows over the past 24 h = {windows:N0} windows acked in {ingestSeconds:F0} s; {shape}");
        Print("compaction: " + await CompactAsync(platform));

        var day = new List<Load>();
        var hour = new List<Load>();
        for (var k = 0; k < loads; k++)
        {
            // Alternate, so that a load spike on the shared machine hits both series alike.
            day.Add(await LoadAsync(platform, "24h", $"day-{k}"));
            hour.Add(await LoadAsync(platform, "1h", $"hour-{k}"));
        }
        Assert.All(day, l => Assert.True(l.Nodes > 1 && l.Windows >= windows * 0.95, $"the 24 h graph drawn from the day's windows ({l.Windows} of {windows})"));
        Print($"flame 24h drawn (real day): median {Median(day, l => l.Drawn):F0} ms after navigation start (min {day.Min(l => l.Drawn):F0}, max {day.Max(l => l.Drawn):F0}, {loads} loads, " +
            $"{day[0].Nodes:N0} frames from {day[0].Windows:N0} windows); 1 h range (baseline) median {Median(hour, l => l.Drawn):F0} ms " +
            $"(min {hour.Min(l => l.Drawn):F0}, max {hour.Max(l => l.Drawn):F0}, {hour[0].Windows} windows); 24h/1h {Median(day, l => l.Drawn) / Median(hour, l => l.Drawn):F2}; " +
            $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {Environment.ProcessorCount} cores");
        foreach (var (name, series) in new[] { ("24h", day), ("1h", hour) })
        {
            Print($"  {name} where the time goes (medians): module ready {Median(series, l => l.Ready):F0} ms; /api/timeline server {Median(series, l => l.TimelineServer):F0} ms; " +
                $"/api/flame requested at {Median(series, l => l.FlameRequested):F0} ms, server (request → first byte) {Median(series, l => l.FlameServer):F0} ms " +
                $"(Server-Timing: query {Median(series, l => l.Query):F0}, build {Median(series, l => l.Build):F0}, json {Median(series, l => l.Json):F0}), " +
                $"transfer {Median(series, l => l.FlameTransfer):F0} ms ({series[0].FlameBytes / 1024:F0} KiB), parse + draw {Median(series, l => l.Script):F0} ms");
        }

        // The compact reply against the nested tree JSON of the same range (issue 12 lever 4): bytes and fetch+parse time.
        await using var probe = await BrowserPage.OpenAsync(web.Browser, platform.HttpBase, "bench-day-reply", TestKeys.Reader, WebPlatform.Desktop, interceptRequests: false);
        await probe.Page.GotoAsync("/app/flame");
        var range = $"service={Service}&kind=cpu&from={Iso(now.AddHours(-24))}&to={Iso(now.AddMinutes(1))}";
        var replies = await probe.Page.EvaluateAsync<double[]>(
            "async urls => { const r = []; for (const u of urls) { const ms = []; let bytes = 0; for (let k = 0; k < 5; k++) { const t = performance.now(); const text = await (await fetch(u)).text(); JSON.parse(text); ms.push(performance.now() - t); bytes = text.length; } ms.sort((a, b) => a - b); r.push(bytes, ms[2]); } return r; }",
            new[] { "/api/flame?" + range, "/api/profile?format=tree&" + range });
        Print($"flame 24h reply (real day): compact {replies[0] / 1024:F0} KiB in {replies[1]:F0} ms (fetch + JSON.parse, median of 5) vs nested format=tree {replies[2] / 1024:F0} KiB in {replies[3]:F0} ms; " +
            $"size ratio {replies[0] / replies[2]:F2}, time ratio {replies[1] / replies[3]:F2}");
    }

    private sealed record Load(double Ready, double Drawn, double TimelineServer, double FlameRequested, double FlameServer, double FlameTransfer, double Script, double FlameBytes, int Nodes, int Windows,
        double Query, double Build, double Json);

    private async Task<Load> LoadAsync(PlatformFixture platform, string since, string name)
    {
        await using var page = await BrowserPage.OpenAsync(web.Browser, platform.HttpBase, "bench-" + name, TestKeys.Reader, WebPlatform.Desktop, interceptRequests: false);
        await page.Page.GotoAsync($"/app/flame?service={Service}&kind=cpu&since={since}");
        await WaitDrawnAsync(page);
        var json = await page.Page.EvaluateAsync<string>("""
            () => {
              const st = (e, name) => e.serverTiming.find((t) => t.name === name)?.duration ?? -1;
              const r = (path) => performance.getEntriesByType("resource").find((e) => new URL(e.name).pathname === path);
              const t = r("/api/timeline"), f = r("/api/flame");
              const m = window.fleetFlame.model();
              return JSON.stringify({
                ready: window.fleetFlame.readyAt, drawn: window.fleetFlame.drawnAt,
                timelineServer: t ? t.responseStart - t.requestStart : 0,
                flameRequested: f.startTime, flameServer: f.responseStart - f.requestStart, flameTransfer: f.responseEnd - f.responseStart,
                script: window.fleetFlame.drawnAt - f.responseEnd, flameBytes: f.encodedBodySize || f.transferSize, nodes: m.nodes,
                query: st(f, "query"), build: st(f, "build"), json: st(f, "json"),
                windows: Number(/in (\d+) windows/.exec(document.getElementById("flame-status").textContent)?.[1] || 0),
              });
            }
            """);
        var e = JsonDocument.Parse(json).RootElement;
        double D(string p) => e.GetProperty(p).GetDouble();
        return new Load(D("ready"), D("drawn"), D("timelineServer"), D("flameRequested"), D("flameServer"), D("flameTransfer"), D("script"), D("flameBytes"),
            e.GetProperty("nodes").GetInt32(), e.GetProperty("windows").GetInt32(), D("query"), D("build"), D("json"));
    }

    /// <summary>
    /// Sends the day through the real ingest stream, one protocol-level agent per host (each its own key), eight hosts at a
    /// time, every window acked; windows of one host every 15 min, hosts spread over the interval.
    /// </summary>
    private static async Task<(int Windows, double Seconds, string Shape)> SeedDayAsync(PlatformFixture platform, IReadOnlyList<AgentCredential> agents, DateTimeOffset now)
    {
        var factory = new WindowFactory(new StackPool(Service, seed: 42));
        var rng = new Random(1);
        var bodies = Enumerable.Range(0, 16).Select(_ => factory.Build(rng)).ToList();
        var variants = bodies.Select(b => Batch.Parser.ParseFrom(b.Bytes)).ToList();
        var shape = $"window: {bodies.Average(b => b.DistinctStacks):F0} distinct stacks, {bodies.Average(b => b.Bytes.Length) / 1024:F0} KiB";
        var spacing = TimeSpan.FromHours(24) / WindowsPerHost;
        var dayStart = now.AddHours(-24);
        var acked = 0;
        var sw = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(agents.Select(async (agent, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var (stream, _) = await AgentStream.ConnectAsync(platform.Channel, agent.AgentId, agent.Host, agent.Token, Service);
                await using (stream)
                {
                    var r = new Random(i);
                    for (var w = 0; w < WindowsPerHost; w++)
                    {
                        var start = dayStart + spacing * w + spacing * i / agents.Count;
                        if (start + WindowLength > now) break;
                        var batch = variants[r.Next(variants.Count)].Clone();
                        batch.Sequence = (ulong)w + 1;
                        batch.Host = agent.Host;
                        batch.WindowStart = Timestamp.FromDateTimeOffset(start);
                        batch.WindowEnd = Timestamp.FromDateTimeOffset(start + WindowLength);
                        await stream.SendAckedAsync(batch);
                        Interlocked.Increment(ref acked);
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        return (acked, sw.Elapsed.TotalSeconds, shape);
    }

    /// <summary>
    /// Status/Compact (operator) until a call compacts nothing: every acked window is then in minute/hour/day buckets. A
    /// call that fails (on a busy machine the rollup can outlast the grain call's timeout) is retried, as the platform
    /// benchmarks' query benchmark does.
    /// </summary>
    private static async Task<string> CompactAsync(PlatformFixture platform)
    {
        var status = new FleetProfiler.Protocol.V1.Status.StatusClient(platform.Channel);
        var sw = Stopwatch.StartNew();
        var total = 0;
        var failures = 0;
        for (var calls = 1; ; calls++)
        {
            Assert.True(sw.Elapsed < TestTimeouts.Convergence * 30, $"compaction still busy after {sw.Elapsed} ({total:N0} windows compacted, {failures} failed calls)");
            try
            {
                var r = await status.CompactAsync(new CompactRequest(), deadline: DateTime.UtcNow.Add(TestTimeouts.Convergence * 10));
                total += r.Windows;
                if (r.Windows == 0)
                    return $"{calls} Status/Compact call(s) until nothing was left ({failures} failed and retried), {total:N0} window(s) compacted by them, {sw.Elapsed.TotalSeconds:F0} s";
            }
            catch (Grpc.Core.RpcException)
            {
                failures++;
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private void Print(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetDirectoryName(Screenshots.Directory)!, "web-benchmark-day.txt"), line + "\n");
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;

    private static double Median<T>(IEnumerable<T> values, Func<T, double> of)
    {
        var sorted = values.Select(of).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
