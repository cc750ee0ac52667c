using System.Diagnostics;
using System.Globalization;
using FleetProfiler.Benchmarks.Infrastructure;
using FleetProfiler.Benchmarks.Workload;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Benchmarks.Benchmarks;

public sealed record QuerySettings(int Hosts, int WindowsPerHost, int Queries, int Inflight, int BudgetSeconds, bool NoCompact,
    int CompactionTimeout, double MinShare, IReadOnlyDictionary<string, string> SiloSettings, int Days = 1)
{
    // Old windows are accepted: the silo the benchmark starts already takes any window age (SiloProcess), so --days backfills.
    public static QuerySettings Read(CommandLineOptions o) => Read(o, o.Int("days", 1, min: 1), SiloArgs.Parse(o.String("silo-args")));

    private static QuerySettings Read(CommandLineOptions o, int days, IReadOnlyDictionary<string, string> siloSettings) => new(
        Hosts: o.Int("hosts", 200),
        WindowsPerHost: o.Int("windows-per-host", 10),
        Queries: o.Int("queries", 20),
        Inflight: o.Int("inflight", 4),
        BudgetSeconds: o.Int("budget-seconds", 150),
        NoCompact: o.Flag("no-compact"),
        CompactionTimeout: o.Int("compaction-timeout", 300),
        MinShare: o.Double("min-share", 0),
        SiloSettings: siloSettings,
        Days: days);
}

/// <summary>
/// Query: a simulated day (or <c>--days</c> days) of one service (default 200 hosts × 10 windows of 10 s spread
/// over the past 24 h) ingested through the gateway as fast as it takes them, then GetProfile for that service over
/// the 24 h in formats tree, flame (the compact tree) and pprof, interleaved, timed at the client (request to reply
/// fully received).
/// </summary>
public static class QueryBenchmark
{
    private const string Service = "checkout";
    private static readonly string[] Formats = ["tree", "flame", "pprof"];

    public static async Task<string> RunAsync(QuerySettings s)
    {
        var pool = new StackPool(Service, seed: 42);
        var factory = new WindowFactory(pool);
        var rng = new Random(1);
        var variants = Enumerable.Range(0, 32).Select(_ => factory.Build(rng)).ToList();
        var span = TimeSpan.FromDays(s.Days);
        var label = s.Days == 1 ? "24 h" : $"{s.Days} days";
        Log.Result($"workload: service '{Service}', {s.Hosts} hosts × {s.WindowsPerHost} windows over {label} = {s.Hosts * s.WindowsPerHost:N0} windows; " +
            $"window: {variants.Average(v => v.ThreadSamples):F0} thread samples over {variants.Average(v => v.DistinctStacks):F0} distinct stacks, {variants.Average(v => v.Bytes.Length) / 1024:F0} KiB");

        var credentials = Fleet.Credentials(s.Hosts);
        await using var silo = await SiloHost.StartAsync(credentials, s.SiloSettings);
        try
        {
            var now = DateTimeOffset.UtcNow;
            var dayStart = now - span;
            var spacing = span / s.WindowsPerHost;
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
            Log.Result(StoredBytes(silo, counters.Acked, variants));

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
                        From = Timestamp.FromDateTimeOffset((now - span).AddMinutes(-1)),
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
            Log.Result($"machine: load average {IngestBenchmark.LoadAverage()} at the end (2 cores; other processes on the machine count)");
            return $"query: {label} flamegraph of 1 service ({s.Hosts} hosts, {counters.Acked:N0} windows): {string.Join("; ", parts)}; goal ≤ {(s.Days == 1 ? 100 : 300)} ms median";
        }
        finally
        {
            await silo.DisposeAsync();
            silo.DeleteData();
        }
    }

    /// <summary>
    /// What the store keeps, from the silo's SQLite file (its WAL checkpointed by the reader): bytes per stored window
    /// (alone, and with the service's frame dictionary amortised over the windows) and bucket, beside the same windows
    /// in the plain encoding (the baseline: the store's encoding before compaction).
    /// </summary>
    private static string StoredBytes(SiloHost silo, long acked, IReadOnlyList<WindowBody> variants)
    {
        var path = Directory.EnumerateFiles(silo.DataDirectory, "profiles*.db", SearchOption.AllDirectories).FirstOrDefault();
        if (path is null) return "stored bytes: no profile store file found";
        using var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly");
        conn.Open();
        long Scalar(string sql)
        {
            using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
        }
        var windows = Scalar("SELECT count(*) FROM profile_window");
        var windowBytes = Scalar("SELECT coalesce(sum(length(tree)), 0) FROM profile_window");
        var buckets = Scalar("SELECT count(*) FROM profile_bucket");
        var bucketBytes = Scalar("SELECT coalesce(sum(length(tree)), 0) FROM profile_bucket");
        // The frame dictionary the rows name their frames in (its strings, line and id: what a row would otherwise carry).
        var frames = Scalar("SELECT count(*) FROM profile_frame");
        var frameBytes = Scalar("SELECT coalesce(sum(length(CAST(function AS BLOB)) + coalesce(length(CAST(file AS BLOB)), 0) + 8), 0) FROM profile_frame");
        var selfContained = Scalar("SELECT count(*) FROM profile_window WHERE substr(tree, 6, 1) NOT IN (X'04', X'06')");
        var plain = variants.Average(v => FleetProfiler.Profiles.CallTreeCodec.Serialize(WindowTrees.Of(v)).Length);
        var perWindow = windows == 0 ? 0 : (double)windowBytes / windows;
        var withDictionary = windows == 0 ? 0 : (double)(windowBytes + frameBytes) / windows;
        return $"stored bytes: {windows:N0} windows, {perWindow / 1024:F1} KiB per window, {withDictionary / 1024:F1} KiB with the frame dictionary amortised over them " +
            $"(plain encoding of the same windows {plain / 1024:F1} KiB: {plain / Math.Max(perWindow, 1):F1}x / {plain / Math.Max(withDictionary, 1):F1}x smaller; {selfContained:N0} windows self-contained); " +
            $"frame dictionary {frames:N0} frames, {frameBytes / 1024.0:F0} KiB; " +
            $"{buckets:N0} buckets, {(buckets == 0 ? 0 : bucketBytes / 1024.0 / buckets):F1} KiB per bucket; per host-day at one window per 10 s: {perWindow * 8640 / 1048576:F0} MiB of windows; database file {new FileInfo(path).Length / 1048576.0:F0} MiB for {acked:N0} acked windows";
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
