namespace FleetProfiler.Agent.HeapSnapshots;

/// <summary>Heap snapshots (section <c>Agent:HeapSnapshot</c>): the ceiling that refuses long pauses, and the bounds of the reduction.</summary>
public sealed class HeapSnapshotOptions
{
    /// <summary>
    /// The ceiling: a target whose GC heap (the <c>gc-heap-size</c> counter, read before the dump) is larger is refused
    /// with one line, because the dump's full blocking GC and heap walk suspend it for a time that grows with the heap
    /// (docs/benchmarks.md: pause per 100 MB). 0 = no ceiling.
    /// </summary>
    public int MaxHeapMB { get; set; } = 1024;

    /// <summary>Objects up to which retained sizes are computed (dominator tree); above it they are omitted and the snapshot says so.</summary>
    public int MaxRetainedObjects { get; set; } = 5_000_000;

    /// <summary>Most objects read from one dump (the agent keeps ~30 bytes per object and 8 per reference while reducing).</summary>
    public int MaxObjects { get; set; } = 20_000_000;

    /// <summary>Types sent per snapshot (largest live bytes first); the rest are added up in one "other" row.</summary>
    public int MaxTypes { get; set; } = 500;

    /// <summary>How long the dump may take (sessions, GC, reading events) before it is abandoned.</summary>
    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>N of <c>SIGRTMIN+N</c>, which takes a heap snapshot of every target once; -1 = no heap signal.</summary>
    public int SignalOffset { get; set; } = 4;

    public const int MaxTypesLimit = 10_000;

    public IEnumerable<string> Problems()
    {
        if (MaxHeapMB < 0) yield return $"Agent:HeapSnapshot:MaxHeapMB must be 0 (no ceiling) or more, was {MaxHeapMB}.";
        if (MaxRetainedObjects < 0) yield return $"Agent:HeapSnapshot:MaxRetainedObjects must be 0 (never) or more, was {MaxRetainedObjects}.";
        if (MaxObjects < 1_000) yield return $"Agent:HeapSnapshot:MaxObjects must be at least 1000, was {MaxObjects}.";
        if (MaxTypes is < 1 or > MaxTypesLimit) yield return $"Agent:HeapSnapshot:MaxTypes must be 1..{MaxTypesLimit}, was {MaxTypes}.";
        if (TimeoutSeconds is < 5 or > 3600) yield return $"Agent:HeapSnapshot:TimeoutSeconds must be 5..3600, was {TimeoutSeconds}.";
    }
}
