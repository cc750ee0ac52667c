using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Grains.Storage;

/// <summary>
/// Where profiles live beside grain state: SQLite in single-node mode, PostgreSQL in cluster mode.
/// Raw windows are append-only and keyed by (agent, sequence), which makes delivery exactly-once; the rollup
/// compacts them, in id order behind a watermark, into minute/hour/day buckets. A window belongs to the
/// bucket its start falls in.
/// </summary>
public interface IProfileStore
{
    /// <summary>Stores a window unless one with the same agent and sequence is stored; false for such a duplicate.</summary>
    Task<bool> TryAddWindowAsync(StoredWindow window, CancellationToken ct = default);

    /// <summary>
    /// Windows of a service (or one host) starting in [from, to), oldest first, at most <paramref name="limit"/>;
    /// with <paramref name="afterId"/>, only those the rollup has not compacted yet.
    /// </summary>
    Task<IReadOnlyList<StoredWindow>> ReadWindowsAsync(string service, string? host, DateTimeOffset from, DateTimeOffset to, int limit, long? afterId = null, CancellationToken ct = default);

    /// <summary>The next windows to compact: ids above the watermark, in id order, received before <paramref name="receivedBefore"/>.</summary>
    Task<IReadOnlyList<StoredWindow>> ReadUncompactedAsync(long afterId, DateTimeOffset receivedBefore, int limit, CancellationToken ct = default);

    /// <summary>Buckets of one level for a service (host "" = the whole service) starting in [from, to).</summary>
    Task<IReadOnlyList<StoredBucket>> ReadBucketsAsync(BucketLevel level, string service, string host, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);

    /// <summary>
    /// Everything a query plan needs, read in one snapshot so that no window is counted both in a bucket and as
    /// not yet compacted: for each bucket part the buckets and the windows above the watermark, for each raw part
    /// all windows. At most <paramref name="maxWindows"/> raw windows are read; <see cref="RangeRead.Truncated"/> says so.
    /// </summary>
    Task<RangeRead> ReadRangeAsync(string service, string? host, IReadOnlyList<RangePart> parts, int maxWindows, CancellationToken ct = default);

    /// <summary>The rollup's watermark: every window with an id at or below it is in the buckets.</summary>
    Task<long> GetWatermarkAsync(CancellationToken ct = default);

    /// <summary>Writes buckets (replacing same-key rows) and moves the watermark, in one transaction.</summary>
    Task CommitRollupAsync(IReadOnlyList<StoredBucket> buckets, long watermark, CancellationToken ct = default);

    /// <summary>
    /// Stores one batch of route minutes of a service on a host unless a batch with the same agent and sequence is
    /// stored; false for such a duplicate. All rows or none.
    /// </summary>
    Task<bool> TryAddRouteMinutesAsync(string service, string host, string agentId, long sequence, IReadOnlyList<RouteMinute> rows, CancellationToken ct = default);

    /// <summary>
    /// Route minutes of a service starting in [from, to), every host and batch added up per (minute, method, route,
    /// status class): requests and sums add, percentiles are the request-weighted mean. Ordered by minute, route, method, status.
    /// </summary>
    Task<IReadOnlyList<RouteMinute>> ReadRouteMinutesAsync(string service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);

    /// <summary>Original paths of repository-relative source paths of a service (see <see cref="StoredWindow.SourcePaths"/>).</summary>
    Task<IReadOnlyDictionary<string, string>> ReadOriginalPathsAsync(string service, IReadOnlyList<string> paths, CancellationToken ct = default);

    /// <summary>Deletes windows and buckets older than their level's retention (route minutes with the minute buckets); returns rows deleted.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset windowsBefore, DateTimeOffset minutesBefore, DateTimeOffset hoursBefore, DateTimeOffset daysBefore, CancellationToken ct = default);
}

/// <summary>
/// One profile window of one process as stored: metadata and the encoded call tree. <see cref="Id"/> is 0 until stored.
/// <see cref="SourcePaths"/> (written with the window, never read back with it) records the original path of each
/// repository-relative file the window names, per service, latest wins.
/// </summary>
public sealed record StoredWindow(
    string Service,
    string Host,
    string AgentId,
    long Sequence,
    int ProcessId,
    string ProcessName,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Kinds,
    double SamplingIntervalMs,
    byte[] Tree,
    long Id = 0,
    IReadOnlyList<SourcePath>? SourcePaths = null);

/// <summary>Buckets of <see cref="Level"/> (or raw windows when null) starting in [From, To).</summary>
public sealed record RangePart(BucketLevel? Level, DateTimeOffset From, DateTimeOffset To);

/// <summary>What <see cref="IProfileStore.ReadRangeAsync"/> found.</summary>
public sealed record RangeRead(IReadOnlyList<StoredBucket> Buckets, IReadOnlyList<StoredWindow> Windows, bool Truncated);

/// <summary>Bucket granularity.</summary>
public enum BucketLevel
{
    Minute = 1,
    Hour = 2,
    Day = 3,
}

/// <summary>A compacted bucket: the merge of every window of a service (host "") or one host starting in it.</summary>
public sealed record StoredBucket(
    BucketLevel Level,
    string Service,
    string Host,
    DateTimeOffset Start,
    int Windows,
    double SamplingIntervalMs,
    byte[] Tree);

public static class BucketLevels
{
    public static TimeSpan Length(this BucketLevel level) => level switch
    {
        BucketLevel.Minute => TimeSpan.FromMinutes(1),
        BucketLevel.Hour => TimeSpan.FromHours(1),
        BucketLevel.Day => TimeSpan.FromDays(1),
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    /// <summary>The start of the bucket of this level that contains <paramref name="t"/> (UTC).</summary>
    public static DateTimeOffset Floor(this BucketLevel level, DateTimeOffset t)
    {
        var ticks = t.UtcTicks - t.UtcTicks % level.Length().Ticks;
        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }
}
