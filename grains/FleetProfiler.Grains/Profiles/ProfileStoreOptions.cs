namespace FleetProfiler.Grains.Profiles;

/// <summary>Rollup cadence, retention per level and node caps, bound from <c>FleetProfiler:Profiles</c>.</summary>
public sealed class ProfileStoreOptions
{
    public const string Section = "FleetProfiler:Profiles";

    /// <summary>How often the rollup compacts new windows into buckets.</summary>
    public TimeSpan RollupPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Windows compacted per store transaction.</summary>
    public int RollupChunk { get; set; } = 200;

    public TimeSpan WindowRetention { get; set; } = TimeSpan.FromHours(48);
    public TimeSpan MinuteRetention { get; set; } = TimeSpan.FromHours(48);
    public TimeSpan HourRetention { get; set; } = TimeSpan.FromDays(30);
    public TimeSpan DayRetention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Node caps per bucket level: beyond them the smallest subtrees fold into "[other]" (totals stay exact).</summary>
    public int MinuteNodes { get; set; } = 20_000;
    public int HourNodes { get; set; } = 30_000;
    public int DayNodes { get; set; } = 100_000;

    /// <summary>Services the fleet directory lists; a new service beyond them is refused (its agents' batches are rejected RESOURCE_EXHAUSTED).</summary>
    public int MaxServices { get; set; } = 10_000;

    /// <summary>Hosts one service lists; a new host beyond them is refused (its agent's batches for that service are rejected RESOURCE_EXHAUSTED).</summary>
    public int MaxHostsPerService { get; set; } = 20_000;

    /// <summary>
    /// Raw windows one query merges at most (a host-level query of recent minutes reads windows, not buckets); beyond them
    /// the newest are kept, the result says <c>truncated</c>, and memory stays bounded.
    /// </summary>
    public int MaxQueryWindows { get; set; } = 10_000;

    /// <summary>Node cap of a merged query result before rendering.</summary>
    public int QueryNodes { get; set; } = 200_000;

    /// <summary>
    /// Decoded buckets a silo keeps for repeated queries, in call-tree nodes (about 60 bytes each); the merges of a
    /// range's older buckets (<see cref="ProfileReader"/>) are bounded by the same number of nodes of their own.
    /// </summary>
    public long QueryCacheNodes { get; set; } = 2_000_000;

    /// <summary>Ranges at least this long are read at hour granularity: their ends snap out to whole hours.</summary>
    public TimeSpan HourPrecisionFrom { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Chunks of <see cref="RollupChunk"/> windows one timer tick compacts at most (the rest waits for the next tick).</summary>
    public int RollupChunksPerTick { get; set; } = 25;

    /// <summary>
    /// Time after which a run (a timer tick or a <c>Status/Compact</c> call) starts no further chunk: the chunk in hand
    /// is finished and committed, the rest waits in the queue. It keeps a compaction's answer, and the calls queued
    /// behind a tick, well inside the Orleans call timeout (30 s) however large the backlog; a compaction that stopped
    /// early says so (<c>CompactReply.more</c>) and is called again. Zero: one chunk per run.
    /// </summary>
    public TimeSpan RollupRunBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed runs in a row after which the rollup reports itself unhealthy (status API, CLI, health checks).</summary>
    public int RollupFailureThreshold { get; set; } = 3;

    /// <summary>
    /// The keep-alive reminder that brings the rollup back on another silo after a failure: first due and period
    /// (the period must not be below the silo's <c>Reminders:MinimumReminderPeriod</c>).
    /// </summary>
    public TimeSpan KeepAliveDue { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Frames one service's frame dictionary holds at most (stored windows and buckets name frames by id in it; see
    /// <see cref="Storage.ServiceFrames"/>). Past it, a window that brings new frames is stored self-contained (about
    /// 5× larger on the benchmark workload), counted and logged once per service. Frames are never deleted, so the cap
    /// also bounds the table. 0 turns the dictionary off: every new row is self-contained (rows already stored with
    /// ids still read).
    /// </summary>
    public int MaxFramesPerService { get; set; } = Storage.ServiceFrames.DefaultMaxPerService;

    /// <summary>Frames of all services' dictionaries a silo caches in memory (about 200–300 bytes each); when full the cache starts over.</summary>
    public long FrameCacheFrames { get; set; } = Storage.ServiceFrames.DefaultMaxCachedFrames;

    public int NodesFor(Storage.BucketLevel level) => level switch
    {
        Storage.BucketLevel.Minute => MinuteNodes,
        Storage.BucketLevel.Hour => HourNodes,
        _ => DayNodes,
    };

    /// <summary>One message per bad setting, naming it; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (RollupPeriod <= TimeSpan.Zero) yield return $"{Section}:RollupPeriod must be positive";
        if (RollupChunk <= 0) yield return $"{Section}:RollupChunk must be positive";
        if (WindowRetention <= TimeSpan.Zero || MinuteRetention <= TimeSpan.Zero || HourRetention <= TimeSpan.Zero || DayRetention <= TimeSpan.Zero)
            yield return $"{Section}: every retention must be positive";
        if (MinuteNodes < 100 || HourNodes < 100 || DayNodes < 100 || QueryNodes < 100)
            yield return $"{Section}: node caps must be at least 100";
        if (MaxServices <= 0 || MaxHostsPerService <= 0 || MaxQueryWindows <= 0) yield return $"{Section}:MaxServices, MaxHostsPerService and MaxQueryWindows must be positive";
        if (MaxFramesPerService < 0) yield return $"{Section}:MaxFramesPerService must not be negative (0 turns the frame dictionary off)";
        if (FrameCacheFrames <= 0) yield return $"{Section}:FrameCacheFrames must be positive";
        if (RollupChunksPerTick <= 0) yield return $"{Section}:RollupChunksPerTick must be positive";
        if (RollupRunBudget < TimeSpan.Zero) yield return $"{Section}:RollupRunBudget must not be negative";
        if (RollupFailureThreshold <= 0) yield return $"{Section}:RollupFailureThreshold must be positive";
        if (KeepAliveDue < TimeSpan.Zero || KeepAlivePeriod <= TimeSpan.Zero) yield return $"{Section}:KeepAliveDue/KeepAlivePeriod must be positive";
    }
}
