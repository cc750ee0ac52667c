using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Profiles;

/// <summary>
/// Compacts raw windows into buckets: each window, once, in id order behind a watermark, is merged into its
/// service's minute, hour and day buckets and its host's hour bucket (a host's minutes are its raw windows). Merging is associative and commutative, so a day bucket equals the merge of its minutes
/// whatever order windows arrive in, late ones included. Buckets and watermark move in one transaction.
/// </summary>
public sealed class ProfileRollup(IProfileStore store, ProfileStoreOptions options, TimeProvider clock, ILogger<ProfileRollup> logger)
{
    private static readonly BucketLevel[] ServiceLevels = [BucketLevel.Minute, BucketLevel.Hour, BucketLevel.Day];
    // Hosts get hour buckets only: a host bucket is rewritten for every chunk that holds one of its windows, and
    // per-host history past the raw windows' 48 h is kept at hour granularity for HourRetention (30 d).
    private static readonly BucketLevel[] HostLevels = [BucketLevel.Hour];

    /// <summary>
    /// Compacts until no window older than the grace period is left, or after <paramref name="maxChunks"/> chunks
    /// (so that under sustained ingest a run still ends, logs and applies retention); returns what it did.
    /// </summary>
    public async Task<RollupResult> RunAsync(CancellationToken ct = default, int maxChunks = int.MaxValue)
    {
        var chunks = 0;
        var watermark = await store.GetWatermarkAsync(ct);
        var windows = 0;
        var buckets = 0;
        while (chunks++ < maxChunks)
        {
            var chunk = await store.ReadUncompactedAsync(watermark, clock.GetUtcNow() - options.RollupGrace, options.RollupChunk, ct);
            if (chunk.Count == 0) break;
            var deltas = new Dictionary<(BucketLevel Level, string Service, string Host, DateTimeOffset Start), Delta>();
            foreach (var w in chunk)
            {
                var tree = CallTreeCodec.Deserialize(w.Tree);
                foreach (var level in ServiceLevels) Add(deltas, (level, w.Service, "", level.Floor(w.Start)), tree, w.SamplingIntervalMs);
                foreach (var level in HostLevels) Add(deltas, (level, w.Service, w.Host, level.Floor(w.Start)), tree, w.SamplingIntervalMs);
            }

            var upserts = new List<StoredBucket>(deltas.Count);
            foreach (var (key, delta) in deltas)
            {
                var existing = await store.ReadBucketsAsync(key.Level, key.Service, key.Host, key.Start, key.Start + key.Level.Length(), ct);
                var merged = delta.Tree;
                var count = delta.Windows;
                var interval = delta.Interval;
                if (existing.Count == 1)
                {
                    var old = existing[0];
                    var oldTree = CallTreeCodec.Deserialize(old.Tree);
                    interval.AddBucket(old.SamplingIntervalMs, oldTree.Total.CpuSamples, old.Windows);
                    oldTree.MergeFrom(merged, GaugeMerge.Peak);
                    merged = oldTree;
                    count += old.Windows;
                }
                var cap = options.NodesFor(key.Level);
                if (merged.NodeCount > cap) merged.Prune(cap);
                upserts.Add(new StoredBucket(key.Level, key.Service, key.Host, key.Start, count, interval.Mean, CallTreeCodec.Serialize(merged)));
            }
            var newWatermark = chunk[^1].Id;
            await store.CommitRollupAsync(upserts, newWatermark, ct);
            watermark = newWatermark;
            windows += chunk.Count;
            buckets += upserts.Count;
        }

        var now = clock.GetUtcNow();
        var expired = await store.DeleteExpiredAsync(now - options.WindowRetention, now - options.MinuteRetention, now - options.HourRetention, now - options.DayRetention, ct);
        if (windows > 0 || expired > 0)
            logger.LogInformation("Rollup compacted {Windows} window(s) into {Buckets} bucket write(s), watermark {Watermark}; {Expired} expired row(s) deleted", windows, buckets, watermark, expired);
        return new RollupResult(windows, buckets, watermark, expired);
    }

    private static void Add(Dictionary<(BucketLevel, string, string, DateTimeOffset), Delta> deltas, (BucketLevel, string, string, DateTimeOffset) key, CallTree tree, double interval)
    {
        if (!deltas.TryGetValue(key, out var d)) deltas[key] = d = new Delta();
        // In-use is a gauge: a bucket keeps each node's peak over its windows (ProfileTypes, ValueAggregation.Gauge).
        d.Tree.MergeFrom(tree, GaugeMerge.Peak);
        d.Windows++;
        d.Interval.AddWindow(interval, tree.Total.CpuSamples);
    }

    private sealed class Delta
    {
        public CallTree Tree { get; } = new();
        public int Windows { get; set; }
        public BucketInterval Interval { get; } = new();
    }
}

/// <summary>
/// A bucket's sampling interval: the mean over its windows' intervals weighted by their CPU samples, so that the bucket's
/// CPU samples × its interval is the CPU time its windows measured. Windows without thread samples (alloc and inuse
/// windows: interval 0) do not dilute it; when no window has CPU samples it is the mean of the non-zero intervals.
/// </summary>
public sealed class BucketInterval
{
    private double _weighted, _plain;
    private long _cpu, _windows;

    public void AddWindow(double intervalMs, long cpuSamples) => Add(intervalMs, cpuSamples, 1);

    /// <summary>A stored bucket: <paramref name="intervalMs"/> stands for its <paramref name="cpuSamples"/> (or, without any, its windows).</summary>
    public void AddBucket(double intervalMs, long cpuSamples, int windows) => Add(intervalMs, cpuSamples, windows);

    public double Mean => _cpu > 0 ? _weighted / _cpu : _windows > 0 ? _plain / _windows : 0;

    private void Add(double intervalMs, long cpuSamples, int windows)
    {
        if (intervalMs <= 0)
        {
            return;
        }
        _weighted += intervalMs * cpuSamples;
        _cpu += cpuSamples;
        _plain += intervalMs * windows;
        _windows += windows;
    }
}

/// <summary>What one rollup run did.</summary>
public sealed record RollupResult(int Windows, int BucketWrites, long Watermark, int ExpiredRows);
