using System.Collections.Concurrent;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Profiles;

/// <summary>Plans a range over the store's levels, reads it in one snapshot and merges it into one capped tree.</summary>
public sealed class ProfileReader(IProfileStore store, ProfileStoreOptions options, TimeProvider clock)
{
    // Decoded buckets, keyed by identity and versioned by their window count (every rollup update adds windows):
    // repeated queries over the same hours skip the decode, which is most of a query's cost. Bounded by
    // QueryCacheNodes; when full it starts over.
    private readonly ConcurrentDictionary<(BucketLevel, string, string, DateTimeOffset), (int Windows, CallTree Tree)> _decoded = new();
    private long _cachedNodes;
    private readonly ConcurrentDictionary<string, SettledMerge> _settled = new(StringComparer.Ordinal);
    private long _settledNodes;

    /// <summary>
    /// The merged profile of a service (or one host) over a range: with <paramref name="endpoint"/> null the whole
    /// service with every endpoint root folded away (<see cref="CallTree.WithoutEndpoints"/>), else only the stacks
    /// under that endpoint's root (<see cref="CallTree.EndpointSubtree"/>); with <paramref name="keepEndpoints"/> the
    /// endpoint roots stay (what cost reports read handler files from); then capped at the query node cap.
    /// </summary>
    public async Task<ProfileRead> ReadAsync(string service, string? host, DateTimeOffset from, DateTimeOffset to, int maxWindows, CancellationToken ct = default, string? endpoint = null, bool keepEndpoints = false)
    {
        // Keeping every endpoint's root and selecting one endpoint exclude each other: refuse rather than ignore the endpoint.
        if (keepEndpoints && endpoint is not null) throw new ArgumentException("keepEndpoints reads every endpoint; it cannot be combined with an endpoint", nameof(keepEndpoints));
        var plan = QueryPlan.For(from, to, host is not null, clock.GetUtcNow(), options);
        // The silo's own bound wins over the caller's: raw windows are the unbounded part of a read.
        var read = await store.ReadRangeAsync(service, host, plan.Parts, Math.Min(maxWindows, options.MaxQueryWindows), ct);
        var merged = new CallTree();
        double intervalSum = 0;
        var intervalWeight = 0;
        var windows = 0;
        // Every bucket but the newest comes from the settled merge (cached); the newest, which the rollup keeps
        // updating in real time, is merged on top.
        var newest = read.Buckets.Count == 0 ? -1 : IndexOfNewest(read.Buckets);
        if (read.Buckets.Count >= 3 && Settled(read.Buckets, newest) is { } settled)
        {
            lock (settled.Tree) merged.MergeFrom(settled.Tree, GaugeMerge.Peak);
            windows += settled.Windows;
            intervalSum += settled.IntervalSum;
            intervalWeight += settled.IntervalWeight;
            MergeBucket(merged, read.Buckets[newest], ref windows, ref intervalSum, ref intervalWeight);
        }
        else
        {
            foreach (var b in read.Buckets) MergeBucket(merged, b, ref windows, ref intervalSum, ref intervalWeight);
        }
        MergeWindows(merged, read.Windows, ref windows, ref intervalSum, ref intervalWeight);
        if (!keepEndpoints) merged = endpoint is null ? merged.WithoutEndpoints() : merged.EndpointSubtree(endpoint);
        if (merged.NodeCount > options.QueryNodes) merged.Prune(options.QueryNodes);
        return new ProfileRead(merged, windows, read.Truncated, plan.Widened, intervalWeight == 0 ? 0 : intervalSum / intervalWeight,
            plan.Parts[0].From, plan.Parts[^1].To, read.Buckets.Count, read.Windows.Count);
    }

    /// <summary>
    /// The merged raw windows of one service version starting in [from, to) (a version labels raw windows only, never
    /// buckets): the whole service with endpoint roots folded away, or with <paramref name="endpoint"/> only its stacks;
    /// capped at the query node cap like <see cref="ReadAsync"/>.
    /// </summary>
    public async Task<ProfileRead> ReadVersionAsync(string service, string? host, string? endpoint, string version, DateTimeOffset from, DateTimeOffset to, int maxWindows, CancellationToken ct = default)
    {
        var read = await store.ReadVersionWindowsAsync(service, host, version, from, to, Math.Min(maxWindows, options.MaxQueryWindows), ct);
        var merged = new CallTree();
        double intervalSum = 0;
        var intervalWeight = 0;
        var windows = 0;
        MergeWindows(merged, read.Windows, ref windows, ref intervalSum, ref intervalWeight);
        merged = endpoint is null ? merged.WithoutEndpoints() : merged.EndpointSubtree(endpoint);
        if (merged.NodeCount > options.QueryNodes) merged.Prune(options.QueryNodes);
        // What was read: from the first window's start to the last one's end (the range when there was none).
        var covered = read.Windows.Count == 0 ? (From: from, To: to) : (From: read.Windows[0].Start, To: read.Windows.Max(w => w.End));
        return new ProfileRead(merged, read.Windows.Count, read.Truncated, false, intervalWeight == 0 ? 0 : intervalSum / intervalWeight,
            covered.From, covered.To, 0, read.Windows.Count);
    }

    /// <summary>Merges raw windows into <paramref name="merged"/> (bounded after each), counting them and their sampling intervals.</summary>
    private void MergeWindows(CallTree merged, IReadOnlyList<StoredWindow> rows, ref int windows, ref double intervalSum, ref int intervalWeight)
    {
        foreach (var w in rows)
        {
            merged.MergeFrom(w.DecodeTree(), GaugeMerge.Peak);
            BoundMerge(merged);
            windows++;
            if (w.SamplingIntervalMs > 0) { intervalSum += w.SamplingIntervalMs; intervalWeight++; }
        }
    }

    private void MergeBucket(CallTree merged, StoredBucket b, ref int windows, ref double intervalSum, ref int intervalWeight)
    {
        var tree = Decode(b);
        lock (tree) merged.MergeFrom(tree, GaugeMerge.Peak);
        BoundMerge(merged);
        windows += b.Windows;
        if (b.SamplingIntervalMs > 0) { intervalSum += b.SamplingIntervalMs * b.Windows; intervalWeight += b.Windows; }
    }

    private static int IndexOfNewest(IReadOnlyList<StoredBucket> buckets)
    {
        var newest = 0;
        for (var i = 1; i < buckets.Count; i++)
            if (buckets[i].Start > buckets[newest].Start) newest = i;
        return newest;
    }

    /// <summary>
    /// The merge of every bucket of a read but <paramref name="except"/>, from the cache when the same buckets (same
    /// level, service, host, start and window count) were merged before. Older buckets change only when late windows
    /// arrive, so "the last 24 h" asked again merges this one tree and the newest bucket instead of 25 buckets.
    /// Bounded like the decoded buckets, by its own count of <see cref="ProfileStoreOptions.QueryCacheNodes"/>: when full
    /// it starts over. Shared with other readers: lock it while reading.
    /// </summary>
    private SettledMerge? Settled(IReadOnlyList<StoredBucket> buckets, int except)
    {
        var key = new System.Text.StringBuilder();
        for (var i = 0; i < buckets.Count; i++)
        {
            if (i == except) continue;
            var b = buckets[i];
            key.Append((int)b.Level).Append('|').Append(b.Service).Append('|').Append(b.Host).Append('|').Append(b.Start.UtcTicks).Append('|').Append(b.Windows).Append('\n');
        }
        var signature = key.ToString();
        if (_settled.TryGetValue(signature, out var cached)) return cached;
        var tree = new CallTree();
        int windows = 0, weight = 0;
        double sum = 0;
        for (var i = 0; i < buckets.Count; i++)
            if (i != except) MergeBucket(tree, buckets[i], ref windows, ref sum, ref weight);
        var merge = new SettledMerge(tree, windows, sum, weight);
        if (Interlocked.Add(ref _settledNodes, tree.NodeCount) > options.QueryCacheNodes)
        {
            _settled.Clear();
            Interlocked.Exchange(ref _settledNodes, tree.NodeCount);
        }
        _settled[signature] = merge;
        return merge;
    }

    private sealed record SettledMerge(CallTree Tree, int Windows, double IntervalSum, int IntervalWeight);

    /// <summary>
    /// Sample volume per <paramref name="step"/> (see <see cref="TimelineSlots"/>): the totals of the buckets and windows
    /// of the range, each in the slot of its start, read no coarser than the step (retention aside); with
    /// <paramref name="endpoint"/> only that endpoint root's totals.
    /// </summary>
    public async Task<ProfileTimeline> ReadTimelineAsync(string service, string? host, string? endpoint, DateTimeOffset from, DateTimeOffset to, TimeSpan step, int maxWindows, CancellationToken ct = default)
    {
        var coarsest = step >= TimeSpan.FromDays(1) ? BucketLevel.Day : step >= TimeSpan.FromHours(1) ? BucketLevel.Hour : BucketLevel.Minute;
        var plan = QueryPlan.For(from, to, host is not null, clock.GetUtcNow(), options, coarsest);
        var read = await store.ReadRangeAsync(service, host, plan.Parts, Math.Min(maxWindows, options.MaxQueryWindows), ct);
        var slots = new TimelineSlots(plan.Parts[0].From, plan.Parts[^1].To, step);
        var levelRead = read.Buckets.Count == 0 ? "raw" : read.Buckets.Max(b => b.Level).ToString().ToLowerInvariant();
        foreach (var b in read.Buckets)
        {
            var tree = Decode(b);
            SampleValues values;
            lock (tree) values = TotalOf(tree, endpoint);
            slots.Add(b.Start, b.Windows, values);
        }
        foreach (var w in read.Windows) slots.Add(w.Start, 1, TotalOf(w.DecodeTree(), endpoint));
        return slots.ToTimeline(read.Truncated, levelRead);
    }

    private static SampleValues TotalOf(CallTree tree, string? endpoint) =>
        endpoint is null ? tree.Total
        : tree.EndpointTotals().FirstOrDefault(e => e.Endpoint == endpoint)?.Values ?? SampleValues.Zero;

    /// <summary>
    /// Keeps a merge in progress within twice the query node cap: pruning folds the smallest subtrees into "[other]"
    /// with totals exact, so memory stays bounded however many distinct stacks the windows bring.
    /// </summary>
    private void BoundMerge(CallTree merged)
    {
        if (merged.NodeCount > 2L * options.QueryNodes) merged.Prune(options.QueryNodes);
    }

    /// <summary>
    /// The decoded tree of a bucket, from the cache when its window count has not changed. Shared with other readers:
    /// lock it while reading.
    /// </summary>
    internal CallTree Decode(StoredBucket b)
    {
        var key = (b.Level, b.Service, b.Host, b.Start);
        if (_decoded.TryGetValue(key, out var cached) && cached.Windows == b.Windows) return cached.Tree;
        var tree = b.DecodeTree();
        if (Interlocked.Add(ref _cachedNodes, tree.NodeCount) > options.QueryCacheNodes)
        {
            _decoded.Clear();
            Interlocked.Exchange(ref _cachedNodes, tree.NodeCount);
        }
        _decoded[key] = (b.Windows, tree);
        return tree;
    }
}

/// <summary>
/// A merged range: the tree, how many windows went into it, whether the range was cut or widened, the range the
/// plan covered and how many buckets and raw windows were read for it.
/// </summary>
public sealed record ProfileRead(CallTree Tree, int Windows, bool Truncated, bool Widened, double SamplingIntervalMs,
    DateTimeOffset CoveredFrom, DateTimeOffset CoveredTo, int BucketsRead, int RawWindowsRead)
{
    /// <summary>What a query grain answers: the tree encoded, with what was read.</summary>
    public MergedProfile ToMerged() => new(CallTreeCodec.Serialize(Tree), Windows, Truncated, SamplingIntervalMs,
        Widened, new TimeRange(CoveredFrom, CoveredTo), BucketsRead, RawWindowsRead);
}
