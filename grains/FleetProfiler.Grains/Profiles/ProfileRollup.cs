using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Profiles;

/// <summary>
/// Compacts raw windows into buckets: each queued window, once, is merged into its service's minute, hour and day
/// buckets and its host's hour bucket (a host's minutes are its raw windows). Merging is associative and commutative,
/// so a day bucket equals the merge of its minutes whatever order windows arrive in, late ones included (in-use
/// gauges: the peak over minutes of the level summed over processes, see <see cref="GaugeLevel"/>). Buckets, the
/// queue and the watermark move in one transaction, which is a compare-and-set on the watermark read before the
/// chunk: two rollups at once (a duplicate activation) never both commit the same windows. A row that cannot be
/// decoded is quarantined and the rollup goes on.
/// </summary>
public sealed class ProfileRollup(IProfileStore store, ProfileStoreOptions options, TimeProvider clock, ILogger<ProfileRollup> logger)
{
    private static readonly BucketLevel[] ServiceLevels = [BucketLevel.Minute, BucketLevel.Hour, BucketLevel.Day];
    // Hosts get hour buckets only: a host bucket is rewritten for every chunk that holds one of its windows, and
    // per-host history past the raw windows' 48 h is kept at hour granularity for HourRetention (30 d).
    private static readonly BucketLevel[] HostLevels = [BucketLevel.Hour];

    // Windows per chunk: RollupChunk, smaller while chunks take more than half of the run budget. A chunk is one
    // transaction and cannot be cut short, so on a slow store (a loaded machine, windows spread over many buckets) a
    // fixed chunk would let a run outlast its budget and the caller's timeout by a whole chunk.
    private int _chunk;

    /// <summary>Windows the next chunk reads (for tests and the status page).</summary>
    public int ChunkSize => _chunk > 0 ? Math.Min(_chunk, options.RollupChunk) : options.RollupChunk;

    /// <summary>
    /// Compacts until the queue is empty, or after <paramref name="maxChunks"/> chunks (so that under sustained
    /// ingest a run still ends, logs and applies retention); returns what it did.
    /// </summary>
    public async Task<RollupResult> RunAsync(CancellationToken ct = default, int maxChunks = int.MaxValue, TimeSpan? budget = null)
    {
        var chunks = 0;
        var started = clock.GetTimestamp();
        var more = false;
        var watermark = await store.GetWatermarkAsync(ct);
        int windows = 0, buckets = 0, quarantined = 0, conflicts = 0;
        while (true)
        {
            // A run ends at its chunk limit or, after its first chunk, once its time budget is spent (a compaction
            // answers within the caller's timeout however large the backlog); the queue keeps what is left.
            if (chunks == maxChunks || (chunks > 0 && budget is { } b && clock.GetElapsedTime(started) >= b))
            {
                more = true;
                break;
            }

            chunks++;
            var chunkStarted = clock.GetTimestamp();
            // The watermark was read before the chunk: if another rollup commits in between, our commit fails whole.
            var chunk = await store.ReadUncompactedAsync(ChunkSize, ct);
            if (chunk.Count == 0) break;
            var deltas = new Dictionary<(BucketLevel Level, string Service, string Host, DateTimeOffset Start), Delta>();
            // A service's frame dictionary, from any of its rows read here (the store sets it on rows that use it):
            // buckets are written with its ids when it has every frame they use, else self-contained.
            var dictionaries = new Dictionary<string, FrameDictionary>(StringComparer.Ordinal);
            foreach (var w in chunk)
                if (w.Frames is { } f) dictionaries.TryAdd(w.Service, f);
            var compacted = new List<long>(chunk.Count);
            var quarantine = new List<QuarantinedRow>();
            foreach (var w in chunk)
            {
                if (Decode(w.Tree, w.Frames, out var error) is not { } tree)
                {
                    quarantine.Add(new QuarantinedRow(w.Id, w.Service, w.Host, $"window {w.Id} of agent {w.AgentId} sequence {w.Sequence}", error, w.Tree));
                    continue;
                }
                compacted.Add(w.Id);
                foreach (var level in ServiceLevels) Add(deltas, (level, w.Service, "", level.Floor(w.Start)), tree, w.SamplingIntervalMs);
                foreach (var level in HostLevels) Add(deltas, (level, w.Service, w.Host, level.Floor(w.Start)), tree, w.SamplingIntervalMs);
            }
            await AddInuseLevelsAsync(deltas, chunk.Where(w => InuseSnapshot.HasInuse(w) && compacted.Contains(w.Id)), ct);

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
                    if (old.Frames is { } f) dictionaries.TryAdd(old.Service, f);
                    if (Decode(old.Tree, old.Frames, out var error) is { } oldTree)
                    {
                        interval.AddBucket(old.SamplingIntervalMs, oldTree.Total.CpuSamples, old.Windows);
                        oldTree.MergeFrom(merged, GaugeMerge.Peak);
                        merged = oldTree;
                        count += old.Windows;
                    }
                    else
                    {
                        // Its windows cannot be recovered from it; the bucket starts over from this chunk's windows.
                        quarantine.Add(new QuarantinedRow(null, old.Service, old.Host, $"{old.Level.ToString().ToLowerInvariant()} bucket {old.Start:O} of {old.Windows} window(s)", error, old.Tree));
                    }
                }
                var cap = options.NodesFor(key.Level);
                if (merged.NodeCount > cap) merged.Prune(cap);
                var encoded = dictionaries.TryGetValue(key.Service, out var frames) ? CallTreeCodec.SerializeCompact(merged, frames.IdsOf(merged, out _)) : CallTreeCodec.SerializeCompact(merged);
                upserts.Add(new StoredBucket(key.Level, key.Service, key.Host, key.Start, count, interval.Mean, encoded));
            }

            if (await store.CommitRollupAsync(new RollupCommit(watermark, upserts, compacted, quarantine), ct) is not { } moved)
            {
                // Another rollup committed since we read the watermark: nothing of ours was written; redo from the queue.
                conflicts++;
                logger.LogWarning("Rollup chunk of {Windows} window(s) not committed: another rollup moved the watermark past {Watermark} first; reading the queue again", chunk.Count, watermark);
                watermark = await store.GetWatermarkAsync(ct);
                continue;
            }
            foreach (var q in quarantine)
                logger.LogError("Rollup quarantined {Row} of service {Service} host {Host}: {Reason}. The rollup goes on without it; the row is kept in profile_quarantine", q.Row, q.Service, q.Host, q.Reason);
            watermark = moved;
            Adapt(chunk.Count, clock.GetElapsedTime(chunkStarted), budget);
            windows += compacted.Count;
            buckets += upserts.Count;
            quarantined += quarantine.Count;
        }

        var now = clock.GetUtcNow();
        var expired = await store.DeleteExpiredAsync(now - options.WindowRetention, now - options.MinuteRetention, now - options.HourRetention, now - options.DayRetention, ct);
        if (windows > 0 || expired > 0 || quarantined > 0 || conflicts > 0)
        {
            logger.LogInformation("Rollup compacted {Windows} window(s) into {Buckets} bucket write(s), watermark {Watermark}; {Quarantined} row(s) quarantined, {Conflicts} chunk(s) lost to another rollup; {Expired} expired row(s) deleted",
                windows, buckets, watermark, quarantined, conflicts, expired);
        }

        var quarantinedTotal = await store.CountQuarantinedAsync(ct);
        return new RollupResult(windows, buckets, watermark, expired, quarantined, conflicts, quarantinedTotal, more);
    }

    /// <summary>
    /// Halves the chunk after a full chunk that took more than half of the budget; doubles it back (up to
    /// <c>RollupChunk</c>) after one that took less than an eighth. Without a positive budget the size stays.
    /// </summary>
    private void Adapt(int read, TimeSpan took, TimeSpan? budget)
    {
        if (budget is not { } b || b <= TimeSpan.Zero) return;
        var size = ChunkSize;
        if (took > b / 2 && read >= size && size > 1)
        {
            _chunk = Math.Max(1, size / 2);
            logger.LogInformation("Rollup chunk of {Windows} window(s) took {Seconds:F1} s of a {Budget:F0} s run budget; the next chunks read {Chunk}", read, took.TotalSeconds, b.TotalSeconds, _chunk);
        }
        else if (took < b / 8 && size < options.RollupChunk)
        {
            _chunk = Math.Min(options.RollupChunk, size * 2);
        }
    }

    /// <summary>The decoded tree, or null with the reason when the stored bytes are not a call tree.</summary>
    private static CallTree? Decode(byte[] data, FrameDictionary? frames, out string error)
    {
        try
        {
            error = "";
            return CallTreeCodec.Deserialize(data, frames);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = $"{e.GetType().Name}: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// In-use is a gauge (<see cref="GaugeLevel"/>): a bucket keeps, per node, the peak over its instants (minutes) of
    /// the level summed over processes. For each (service, minute) of the chunk's in-use windows the level is computed
    /// again from every stored window of that minute — this chunk's, earlier ones' and those still queued, since one
    /// host's window alone is not the service's level — and peak-merged into the minute, hour and day buckets (and the
    /// host's hour bucket with the host's own level). Levels only grow as windows arrive, so merging the newer level
    /// over an older one is exact. A minute with more in-use windows than <see cref="ProfileStoreOptions.MaxQueryWindows"/>
    /// is summed over the first ones read.
    /// </summary>
    private async Task AddInuseLevelsAsync(Dictionary<(BucketLevel Level, string Service, string Host, DateTimeOffset Start), Delta> deltas, IEnumerable<StoredWindow> inuse, CancellationToken ct)
    {
        foreach (var (service, instant) in inuse.Select(w => (w.Service, GaugeLevel.InstantOf(w.Start))).Distinct().ToList())
        {
            var windows = await store.ReadWindowsAsync(service, null, instant, instant + GaugeLevel.Instant, options.MaxQueryWindows, ct);
            var serviceLevel = new CallTree();
            foreach (var host in windows.Where(InuseSnapshot.HasInuse).GroupBy(w => w.Host, StringComparer.Ordinal))
            {
                var level = GaugeLevel.At(host, w => new GaugeSource(w.Host, w.ProcessId, w.Start, w.End), w => Decode(w.Tree, w.Frames, out _));
                serviceLevel.MergeFrom(level, GaugeMerge.Sum);
                foreach (var l in HostLevels)
                    if (deltas.TryGetValue((l, service, host.Key, l.Floor(instant)), out var d)) d.Tree.MergeFrom(level, GaugeMerge.Peak);
            }
            foreach (var l in ServiceLevels)
                if (deltas.TryGetValue((l, service, "", l.Floor(instant)), out var d)) d.Tree.MergeFrom(serviceLevel, GaugeMerge.Peak);
        }
    }

    private static void Add(Dictionary<(BucketLevel, string, string, DateTimeOffset), Delta> deltas, (BucketLevel, string, string, DateTimeOffset) key, CallTree tree, double interval)
    {
        if (!deltas.TryGetValue(key, out var d)) deltas[key] = d = new Delta();
        // Counters add. In-use gauges keep each window's own peak here, a lower bound of the level that
        // AddInuseLevelsAsync merges over them (a window is part of its instant's level).
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

/// <summary>
/// What one rollup run did: windows compacted, bucket writes, the watermark reached, expired rows deleted, rows
/// quarantined, chunks not committed because another rollup committed first, and the rows in quarantine now.
/// </summary>
/// <summary>What one run did; <see cref="More"/>: it stopped at its chunk limit or time budget, so windows may be left in the queue.</summary>
public sealed record RollupResult(int Windows, int BucketWrites, long Watermark, int ExpiredRows, int Quarantined, int Conflicts, long QuarantinedTotal, bool More = false);
