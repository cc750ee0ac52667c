using Orleans.Concurrency;

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

    /// <summary>
    /// Compacts now, until every window committed before the run is in the buckets (or quarantined), or until the
    /// run's time budget is spent (<see cref="RollupSummary.More"/>: call again).
    /// </summary>
    Task<RollupSummary> CompactNowAsync();

    /// <summary>
    /// How the rollup's runs have gone: last success, consecutive failures and the last error. Answers while a run is
    /// in progress (it only reads counters), so health checks never wait for a long compaction.
    /// </summary>
    [AlwaysInterleave]
    Task<RollupHealth> GetHealthAsync();
}

/// <summary>What a compaction did; <see cref="More"/>: it stopped at its time budget and windows may be left.</summary>
[GenerateSerializer, Immutable]
public sealed record RollupSummary(
    [property: Id(0)] int Windows,
    [property: Id(1)] int BucketWrites,
    [property: Id(2)] long Watermark,
    [property: Id(3)] int ExpiredRows,
    [property: Id(4)] bool More);

/// <summary>
/// How the rollup's runs (timer ticks and <see cref="IProfileRollupGrain.CompactNowAsync"/>) have gone since the
/// rollup activated. <see cref="Healthy"/> is false once <see cref="ConsecutiveFailures"/> reaches
/// <see cref="FailureThreshold"/>: buckets stop growing and retention stops deleting until the cause is fixed.
/// <see cref="QuarantinedRows"/> counts stored rows the rollup could not decode and set aside (table profile_quarantine).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RollupHealth(
    [property: Id(0)] DateTimeOffset ActiveSince,
    [property: Id(1)] DateTimeOffset? LastSuccessAt,
    [property: Id(2)] DateTimeOffset? LastFailureAt,
    [property: Id(3)] int ConsecutiveFailures,
    [property: Id(4)] string? LastError,
    [property: Id(5)] long Watermark,
    [property: Id(6)] long RunsSucceeded,
    [property: Id(7)] long WindowsCompacted,
    [property: Id(8)] long ExpiredRowsDeleted,
    [property: Id(9)] int FailureThreshold,
    [property: Id(10)] DateTimeOffset? LastKeepAliveReminderAt,
    [property: Id(11)] long QuarantinedRows = 0)
{
    /// <summary>False once the rollup failed <see cref="FailureThreshold"/> runs in a row.</summary>
    public bool Healthy => ConsecutiveFailures < FailureThreshold;
}
