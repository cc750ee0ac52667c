namespace FleetProfiler.Grains.HeapSnapshots;

/// <summary>How many heap snapshots the silo keeps, bound from <c>FleetProfiler:HeapSnapshots</c> (docs/live-memory.md).</summary>
public sealed class HeapSnapshotStoreOptions
{
    public const string Section = "FleetProfiler:HeapSnapshots";

    /// <summary>Snapshots kept per host (service/host); the oldest is dropped first. Each is a few KB to ~100 KB (its type rows).</summary>
    public int MaxPerHost { get; set; } = 20;

    /// <summary>Snapshots older than this are dropped (when the host's snapshots are next written or read).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(14);

    public IEnumerable<string> Validate()
    {
        if (MaxPerHost is < 1 or > 1000) yield return $"{Section}:MaxPerHost must be between 1 and 1000, was {MaxPerHost}";
        if (Retention <= TimeSpan.Zero || Retention > TimeSpan.FromDays(3650)) yield return $"{Section}:Retention must be positive and at most 3650 days, was {Retention}";
    }
}
