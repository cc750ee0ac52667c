using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Grains.Storage;

/// <summary>
/// Where profiles live beside grain state: SQLite in single-node mode, PostgreSQL in cluster mode.
/// Raw windows are append-only and keyed by (agent, sequence), which makes delivery exactly-once. Storing a window
/// also queues it for the rollup, in the same transaction; the rollup compacts queued windows into minute/hour/day
/// buckets and takes them off the queue in the transaction that writes the buckets, so it consumes exactly the
/// committed windows whatever order their transactions commit in. A window belongs to the bucket its start falls in.
/// Windows are stored with frame ids into their service's frame dictionary when they can be (<see cref="ServiceFrames"/>);
/// rows read that use it come back with it (<see cref="StoredWindow.Frames"/>): decode them with <see cref="StoredRows"/>.
/// </summary>
public interface IProfileStore
{
    /// <summary>Stores a window unless one with the same agent and sequence is stored; false for such a duplicate.</summary>
    Task<bool> TryAddWindowAsync(StoredWindow window, CancellationToken ct = default);

    /// <summary>Windows of a service (or one host) starting in [from, to), oldest first, at most <paramref name="limit"/>; quarantined ones left out.</summary>
    Task<IReadOnlyList<StoredWindow>> ReadWindowsAsync(string service, string? host, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default);

    /// <summary>The next windows to compact: at most <paramref name="limit"/> queued (committed, not yet compacted) windows, in id order.</summary>
    Task<IReadOnlyList<StoredWindow>> ReadUncompactedAsync(int limit, CancellationToken ct = default);

    /// <summary>Buckets of one level for a service (host "" = the whole service) starting in [from, to).</summary>
    Task<IReadOnlyList<StoredBucket>> ReadBucketsAsync(BucketLevel level, string service, string host, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);

    /// <summary>
    /// Everything a query plan needs, read in one snapshot so that no window is counted both in a bucket and as
    /// not yet compacted: for each bucket part the buckets and the windows still queued for the rollup, for each raw
    /// part all windows but quarantined ones. At most <paramref name="maxWindows"/> raw windows are read; <see cref="RangeRead.Truncated"/> says so.
    /// </summary>
    Task<RangeRead> ReadRangeAsync(string service, string? host, IReadOnlyList<RangePart> parts, int maxWindows, CancellationToken ct = default);

    /// <summary>
    /// The rollup's watermark: how many windows it has taken off the queue so far (it only grows). Every commit names
    /// the watermark it read, so it is also the version that makes <see cref="CommitRollupAsync"/> a compare-and-set.
    /// </summary>
    Task<long> GetWatermarkAsync(CancellationToken ct = default);

    /// <summary>
    /// In one transaction, only if the watermark still equals <see cref="RollupCommit.ReadWatermark"/>: writes the
    /// buckets (replacing same-key rows), takes the compacted and quarantined windows off the queue, stores the
    /// quarantined rows and moves the watermark on by the windows taken. Returns the new watermark, or null (and
    /// changes nothing) when another rollup committed since the watermark was read.
    /// </summary>
    Task<long?> CommitRollupAsync(RollupCommit commit, CancellationToken ct = default);

    /// <summary>Rows the rollup could not decode and set aside (see <see cref="QuarantinedRow"/>), still kept.</summary>
    Task<long> CountQuarantinedAsync(CancellationToken ct = default);

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

    /// <summary>
    /// Windows of a service starting in [from, to) (quarantined ones left out) counted by attribution method and note,
    /// largest groups first, at most <paramref name="limit"/> groups.
    /// </summary>
    Task<IReadOnlyList<(string Method, string Note, int Windows)>> CountAttributionsAsync(string service, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default);

    /// <summary>
    /// Windows of one service version of a service (or one host) starting in [from, to), quarantined ones left out,
    /// oldest first, at most <paramref name="maxWindows"/> (<see cref="RangeRead.Truncated"/> says so); no buckets: a
    /// version labels raw windows only.
    /// </summary>
    Task<RangeRead> ReadVersionWindowsAsync(string service, string? host, string version, DateTimeOffset from, DateTimeOffset to, int maxWindows, CancellationToken ct = default);

    /// <summary>
    /// The service versions of a service's (or one host's) stored windows (quarantined ones left out) with first and
    /// last seen, newest last-seen first, at most <paramref name="limit"/>; windows without a version are counted apart.
    /// </summary>
    Task<ServiceVersionList> ReadVersionsAsync(string service, string? host, int limit, CancellationToken ct = default);

    /// <summary>Original paths of repository-relative source paths of a service (see <see cref="StoredWindow.SourcePaths"/>).</summary>
    Task<IReadOnlyDictionary<string, string>> ReadOriginalPathsAsync(string service, IReadOnlyList<string> paths, CancellationToken ct = default);

    /// <summary>
    /// Deletes windows (only those no longer queued) and buckets older than their level's retention (route minutes with
    /// the minute buckets, quarantined rows with the day buckets); returns rows deleted.
    /// </summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset windowsBefore, DateTimeOffset minutesBefore, DateTimeOffset hoursBefore, DateTimeOffset daysBefore, CancellationToken ct = default);
}

/// <summary>
/// One profile window of one process as stored: metadata and the encoded call tree. <see cref="Id"/> is 0 until stored.
/// <see cref="SourcePaths"/> (written with the window, never read back with it) records the original path of each
/// repository-relative file the window names, per service, latest wins. <see cref="AttributionMethod"/> and
/// <see cref="AttributionNote"/> say how its samples were attributed to requests (<see cref="AttributionMethods"/>;
/// <c>unknown</c> for rows stored before the store kept them). <see cref="ServiceVersion"/> is the service's version in
/// the process ("" = unknown), what version queries select by. <see cref="Frames"/>: the service's frame dictionary
/// when <see cref="Tree"/> names its frames in it (set by the store when it reads the row; decode with
/// <see cref="StoredRows.DecodeTree(StoredWindow)"/>).
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
    IReadOnlyList<SourcePath>? SourcePaths = null,
    string AttributionMethod = AttributionMethods.Unknown,
    string AttributionNote = "",
    string ServiceVersion = "",
    FleetProfiler.Profiles.FrameDictionary? Frames = null);

/// <summary>
/// One chunk of the rollup's work: the watermark it read before reading the chunk, the merged buckets, the ids of the
/// windows merged into them and the rows it could not decode.
/// </summary>
public sealed record RollupCommit(long ReadWatermark, IReadOnlyList<StoredBucket> Buckets, IReadOnlyList<long> Compacted, IReadOnlyList<QuarantinedRow> Quarantined)
{
    /// <summary>Queued windows this commit takes off the queue: compacted and quarantined ones.</summary>
    public IReadOnlyList<long> Consumed => [.. Compacted, .. Quarantined.Where(q => q.WindowId is not null).Select(q => q.WindowId!.Value)];
}

/// <summary>
/// A stored row the rollup could not decode, set aside with a copy of its payload so that the rollup and retention go
/// on: a window (<see cref="WindowId"/> set; it leaves the queue and queries skip it) or a bucket (replaced by the
/// windows merged into it from then on). <see cref="Row"/> names it for people (agent and sequence, or level and start).
/// </summary>
public sealed record QuarantinedRow(long? WindowId, string Service, string Host, string Row, string Reason, byte[] Payload);

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

/// <summary>
/// A compacted bucket: the merge of every window of a service (host "") or one host starting in it. <see cref="Frames"/>
/// as for <see cref="StoredWindow.Frames"/>.
/// </summary>
public sealed record StoredBucket(
    BucketLevel Level,
    string Service,
    string Host,
    DateTimeOffset Start,
    int Windows,
    double SamplingIntervalMs,
    byte[] Tree,
    FleetProfiler.Profiles.FrameDictionary? Frames = null);

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

/// <summary>Shapes the per-version rows both stores read into a <see cref="ServiceVersionList"/>.</summary>
public static class ServiceVersionLists
{
    /// <summary>
    /// <paramref name="rows"/> are one per version, "" for windows without one, newest last-seen first: the versioned
    /// ones up to <paramref name="limit"/>, the "" row as the unversioned count.
    /// </summary>
    public static ServiceVersionList Of(IReadOnlyList<ServiceVersionInfo> rows, int limit)
    {
        var versioned = rows.Where(r => r.Version.Length > 0).ToList();
        var unversioned = rows.FirstOrDefault(r => r.Version.Length == 0)?.Windows ?? 0;
        return new ServiceVersionList([.. versioned.Take(limit)], versioned.Count > limit, unversioned);
    }
}
