namespace FleetProfiler.Abstractions.Profiles;

/// <summary>
/// The one rollup of the cluster (keyed <see cref="Key"/>): compacts new windows into minute/hour/day buckets
/// on a timer and deletes what is past retention.
/// </summary>
public interface IProfileRollupGrain : IGrainWithStringKey
{
    /// <summary>The key of the one rollup.</summary>
    const string Key = "rollup";

    /// <summary>Activates the rollup and its keep-alive reminder (idempotent; the silo calls it at start).</summary>
    Task EnsureRunningAsync();

    /// <summary>Compacts now, until every window received before the grace period is in the buckets.</summary>
    Task<RollupSummary> CompactNowAsync();
}

/// <summary>What a compaction did.</summary>
[GenerateSerializer, Immutable]
public sealed record RollupSummary(
    [property: Id(0)] int Windows,
    [property: Id(1)] int BucketWrites,
    [property: Id(2)] long Watermark,
    [property: Id(3)] int ExpiredRows);
