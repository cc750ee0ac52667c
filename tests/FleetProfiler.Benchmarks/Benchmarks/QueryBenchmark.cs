using System.Diagnostics;
using FleetProfiler.Benchmarks.Infrastructure;
using FleetProfiler.Benchmarks.Workload;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Benchmarks.Benchmarks;

public sealed record QuerySettings(int Hosts, int WindowsPerHost, int Queries, int Inflight, int BudgetSeconds, bool NoCompact,
    int CompactionTimeout, double MinShare, IReadOnlyDictionary<string, string> SiloSettings)
{
    public static QuerySettings Read(CommandLineOptions o) => new(
        Hosts: o.Int("hosts", 200),
        WindowsPerHost: o.Int("windows-per-host", 10),
        Queries: o.Int("queries", 20),
        Inflight: o.Int("inflight", 4),
        BudgetSeconds: o.Int("budget-seconds", 150),
        NoCompact: o.Flag("no-compact"),
        CompactionTimeout: o.Int("compaction-timeout", 300),
        MinShare: o.Double("min-share", 0),
        SiloSettings: SiloArgs.Parse(o.String("silo-args")));
}

/// <summary>
/// Query: a simulated day of one service (default 200 hosts × one 10 s window every 15 min = 19,200 windows spread
/// over the past 24 h) ingested through the gateway as fast as it takes them, then GetProfile for that service over
/// the 24 h in formats tree and pprof, interleaved, timed at the client (request to reply fully received).
/// </summary>
public static class QueryBenchmark
{
    private const string Service = "checkout";
    private static readonly string[] Formats = ["tree", "pprof"];

    public static async Task<string> RunAsync(QuerySettings s)
    {
        var pool = new StackPool(Service, seed: 42);
        var factory = new WindowFactory(pool);
        var rng = new Random(1);
        var variants = Enumerable.Range(0, 32).Select(_ => factory.Build(rng)).ToList();
        Log.Result($"workload: service '{Service}', {s.Hosts} hosts × {s.WindowsPerHost} windows over 24 h = {s.Hosts * s.WindowsPerHost:N0} windows; " +
            $"window: {variants.Average(v => v.ThreadSamples):F0} thread samples over {variants.Average(v => v.DistinctStacks):F0} distinct stacks, {variants.Average(v => v.Bytes.Length) / 1024:F0} KiB");

        var credentials = Fleet.Credentials(s.Hosts);
        await using var silo = await SiloHost.StartAsync(credentials, s.SiloSettings);
        try
        {
            var now = DateTimeOffset.UtcNow;
            var dayStart = now.AddHours(-24);
            var spacing = TimeSpan.FromHours(24) / s.WindowsPerHost;
            var counters = new IngestCounters();
            var sw = Stopwatch.StartNew();
            await using (var fleet = await Fleet.ConnectAsync(silo.GrpcAddress, credentials, _ => Service))
            {
                var seed = 0;
                var runs = fleet.Agents.Select((a, i) =>
                {
                    var r = new Random(Interlocked.Increment(ref seed));
                    var offset = spacing * i / s.Hosts; // hosts spread over the interval
                    ulong sequence = 0;
                    Outgoing? Next()
                    {
                        if ((int)sequence >= s.WindowsPerHost) return null;
                        var start = dayStart + spacing * (int)sequence + offset;
                        sequence++;
                        return new Outgoing(sequence, WindowFactory.Header(sequence, a.Credential.Host, start, TimeSpan.FromSeconds(10)), variants[r.Next(variants.Count)]);
                    }
                    return Task.Run(() => a.RunClosedLoopAsync(Next, s.Inflight, counters, CancellationToken.None));
                }).ToList();
                var all = Task.WhenAll(runs);
                while (await Task.WhenAny(all, Task.Delay(5000)) != all)
                    Log.Info($"ingesting the day: {counters.Acked:N0}/{s.Hosts * s.WindowsPerHost:N0} acked ({counters.Acked / sw.Elapsed.TotalSeconds:F0}/s), silo RSS {silo.Memory().RssMiB:F0} MiB, errors {counters.StreamErrors}");
            }
            var ingestSeconds = sw.Elapsed.TotalSeconds;
            foreach (var e in counters.Errors) Log.Info("error: " + e);
            Log.Result($"day ingested: {counters.Acked:N0} windows acked in {ingestSeconds:F1} s ({counters.Acked / ingestSeconds:F0} batches/s), rejected {counters.Rejected}, stream errors {counters.StreamErrors}");
            if (counters.Acked == 0) throw new InvalidOperationException("nothing was ingested");

            var compaction = await WaitForCompactionAsync(silo, s);
            Log.Result("compaction: " + compaction);

            using var channel = Fleet.Channel(silo.GrpcAddress);
            var client = new Query.QueryClient(channel);
            var latencies = Formats.ToDictionary(f => f, _ => new List<double>());
            var info = new Dictionary<string, ProfileReply>();
            var failures = new List<string>();
            var budget = Stopwatch.StartNew();
            var cold = new Dictionary<string, double>();
            for (var i = 0; i <= s.Queries && failures.Count < 3; i++)
            {
                foreach (var format in Formats)
                {
                    var request = new GetProfileRequest
                    {
                        Selector = new Selector { Service = Service },
                        From = Timestamp.FromDateTimeOffset(now.AddHours(-24).AddMinutes(-1)),
                        To = Timestamp.FromDateTimeOffset(now.AddMinutes(1)),
                        Kind = "cpu",
                        Format = format,
                        MinShare = s.MinShare,
                    };
                    var t = Stopwatch.StartNew();
                    try
                    {
                        var reply = await client.GetProfileAsync(request, deadline: DateTime.UtcNow.AddMinutes(5));
                        var ms = t.Elapsed.TotalMilliseconds;
                        if (i == 0) cold[format] = ms; else latencies[format].Add(ms);
                        info[format] = reply;
                        Log.Info($"query {i} {format}: {ms:F0} ms, {reply.Data.Length / 1024.0:F0} KiB, windows {reply.Windows}, truncated {reply.Truncated}, total {reply.Total}");
                    }
                    catch (RpcException e)
                    {
                        failures.Add($"{format}: {e.StatusCode} after {t.Elapsed.TotalSeconds:F1} s: {e.Status.Detail}");
                        Log.Info($"query {i} {format} failed: {failures[^1]}");
                    }
                }
                if (budget.Elapsed.TotalSeconds > s.BudgetSeconds && i < s.Queries)
                {
                    Log.Info($"time budget of {s.BudgetSeconds} s spent after {i} timed round(s): stopping (--budget-seconds)");
                    break;
                }
            }
            var (rss, hwm) = silo.Memory();
            foreach (var f in failures) Log.Result("query failure: " + f);
            var parts = new List<string>();
            foreach (var format in Formats)
            {
                var l = latencies[format];
                l.Sort();
                var r = info.GetValueOrDefault(format);
                Log.Result($"{format}: n={l.Count}, median {Stats.Median(l):F0} ms, p95 {Stats.Percentile(l, 95):F0} ms, min {(l.Count > 0 ? l[0] : double.NaN):F0}, max {(l.Count > 0 ? l[^1] : double.NaN):F0}; " +
                    $"first (cold) {cold.GetValueOrDefault(format, double.NaN):F0} ms; reply {(r?.Data.Length ?? 0) / 1024.0:F0} KiB, windows merged {r?.Windows}, truncated {r?.Truncated}");
                parts.Add($"{format} median {Stats.Median(l):F0} ms p95 {Stats.Percentile(l, 95):F0} ms (n={l.Count})");
            }
            Log.Result($"memory after queries: silo VmRSS {rss:F0} MiB, VmHWM {hwm:F0} MiB");
            return $"query: 24 h flamegraph of 1 service ({s.Hosts} hosts, {counters.Acked:N0} windows): {string.Join("; ", parts)}; goal ≤ 100 ms median";
        }
        finally
        {
            await silo.DisposeAsync();
            silo.DeleteData();
        }
    }

    /// <summary>
    /// Waits until the platform's rollup has compacted every ingested window into minute/hour/day buckets:
    /// <c>fleetprofiler.v1.Status/Compact</c> runs the rollup now and returns how many windows it compacted; repeated
    /// until a call compacts nothing (every acked window is queued for the rollup when its ack is sent). --no-compact measures as is.
    /// </summary>
    private static async Task<string> WaitForCompactionAsync(SiloHost silo, QuerySettings s)
    {
        if (s.NoCompact) return "not waited for (--no-compact): measured with whatever the background rollup (every 30 s) had done";
        using var channel = Fleet.Channel(silo.GrpcAddress);
        var client = new FleetProfiler.Protocol.V1.Status.StatusClient(channel);
        var sw = Stopwatch.StartNew();
        var total = 0;
        var calls = 0;
        while (sw.Elapsed.TotalSeconds < s.CompactionTimeout)
        {
            calls++;
            try
            {
                var r = await client.CompactAsync(new CompactRequest(), deadline: DateTime.UtcNow.AddSeconds(s.CompactionTimeout));
                total += r.Windows;
                Log.Info($"compact: {r.Windows} window(s), {r.BucketWrites} bucket write(s), watermark {r.Watermark} ({sw.Elapsed.TotalSeconds:F1} s)");
                if (r.Windows == 0)
                {
                    return $"Status/Compact until nothing was left: {calls} call(s), {total:N0} window(s) compacted by these calls, {sw.Elapsed.TotalSeconds:F1} s " +
                        $"(the background rollup compacts the rest; {File.ReadLines(silo.LogPath).Count(l => l.Contains("Rollup compacted", StringComparison.Ordinal))} 'Rollup compacted' log line(s))";
                }
            }
            catch (RpcException e)
            {
                Log.Info($"compact call failed after {sw.Elapsed.TotalSeconds:F1} s: {e.StatusCode} {e.Status.Detail}; retrying");
                await Task.Delay(1000);
            }
        }
        return $"compaction did not finish within {s.CompactionTimeout} s ({calls} Status/Compact call(s), {total:N0} windows compacted); measured as is";
    }
}
