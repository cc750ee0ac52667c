namespace FleetProfiler.Profiles;

/// <summary>Which view of a profile. Each kind is described once, in <see cref="ProfileTypes.All"/>.</summary>
/// <remarks>Stored and sent between grains as its number: append new kinds, never renumber.</remarks>
public enum ProfileKind
{
    /// <summary>Samples of threads running managed code.</summary>
    Cpu = 0,
    /// <summary>Samples of every managed thread, running or blocked.</summary>
    Wall = 1,
    /// <summary>Sampled allocations: estimated bytes (main value) and objects.</summary>
    Alloc = 2,
    /// <summary>Sampled allocations still alive at the end of a window: estimated bytes (main value) and objects (a gauge).</summary>
    Inuse = 3,
}

/// <summary>One of the six measurements kept per call-tree node (<see cref="SampleValues"/>).</summary>
public enum SampleColumn
{
    /// <summary><see cref="SampleValues.CpuSamples"/>.</summary>
    CpuSamples,
    /// <summary><see cref="SampleValues.WallSamples"/>.</summary>
    WallSamples,
    /// <summary><see cref="SampleValues.AllocBytes"/>.</summary>
    AllocBytes,
    /// <summary><see cref="SampleValues.AllocCount"/>.</summary>
    AllocCount,
    /// <summary><see cref="SampleValues.InuseBytes"/>.</summary>
    InuseBytes,
    /// <summary><see cref="SampleValues.InuseCount"/>.</summary>
    InuseCount,
}

/// <summary>How the values of one kind combine across stacks, windows, hosts and time buckets.</summary>
public enum ValueAggregation
{
    /// <summary>Values add up: samples and allocated bytes over a range are the sum of their parts.</summary>
    Sum,

    /// <summary>
    /// A level at an instant (bytes in use when a window ended), never summed over time. Within one window values add
    /// over stacks, and over the stored parts of a window split into several batches. Rollup buckets keep, per node,
    /// the peak over time of the level summed over processes (<see cref="GaugeLevel"/>): the instant of a window is
    /// the UTC minute its start falls in; at an instant the windows of one (host, process id) take their per-node
    /// peak and processes (of every host of the bucket) add; a minute, hour or day bucket keeps, per node, the maximum
    /// over its instants (associative, and an instant's level only grows as windows arrive, so buckets agree whatever
    /// order windows arrive in). Buckets do not keep the latest level: queries answer the latest from raw windows —
    /// per (host, process id) the newest window in the range that has in-use values, summed over processes (every
    /// process's newest snapshot is what the fleet holds). When the range's raw windows have expired (48 h), they
    /// answer the buckets' peaks, and the reply says so.
    /// </summary>
    Gauge,
}

/// <summary>
/// Everything agent, gateway, grains and CLI must agree on about one profile kind (like Pyroscope's profile-type
/// registry): the name on the wire and on command lines, the value it ranks by, its unit and how it aggregates.
/// </summary>
/// <param name="Kind">The enum value the grains and the store use.</param>
/// <param name="Name">Wire and command-line name (<c>cpu</c>): batches' <c>kinds</c>, queries' <c>kind</c>, agent configuration.</param>
/// <param name="Value">The main value: what profiles, top lists and flamegraphs of this kind rank by.</param>
/// <param name="Secondary">A second value shown beside the main one (allocation count), or the main value again.</param>
/// <param name="Unit">Unit of the main value: <c>samples</c> or <c>bytes</c>.</param>
/// <param name="Quantity">What a total of the main value is, in words, for footers (<c>cpu samples</c>).</param>
/// <param name="Aggregation">How values combine.</param>
public sealed record ProfileType(
    ProfileKind Kind, string Name, SampleColumn Value, SampleColumn Secondary, string Unit, string Quantity, ValueAggregation Aggregation)
{
    /// <summary>True when values are counts of timer samples (cpu, wall): scaled by the sampling interval into time.</summary>
    public bool IsTimeSampled => Unit == ProfileTypes.SamplesUnit;

    /// <summary>True for a gauge (in-use): values are levels at an instant, see <see cref="ValueAggregation.Gauge"/>.</summary>
    public bool IsGauge => Aggregation == ValueAggregation.Gauge;
}

/// <summary>The registry of profile kinds. Adding a kind is one line here (and its enum value above).</summary>
public static class ProfileTypes
{
    /// <summary>Unit of sample-profiler kinds.</summary>
    public const string SamplesUnit = "samples";

    /// <summary>Unit of allocation kinds.</summary>
    public const string BytesUnit = "bytes";

    /// <summary>Every kind, in <see cref="ProfileKind"/> order.</summary>
    public static readonly IReadOnlyList<ProfileType> All =
    [
        new(ProfileKind.Cpu, "cpu", SampleColumn.CpuSamples, SampleColumn.CpuSamples, SamplesUnit, "cpu samples", ValueAggregation.Sum),
        new(ProfileKind.Wall, "wall", SampleColumn.WallSamples, SampleColumn.WallSamples, SamplesUnit, "wall samples", ValueAggregation.Sum),
        new(ProfileKind.Alloc, "alloc", SampleColumn.AllocBytes, SampleColumn.AllocCount, BytesUnit, "bytes allocated", ValueAggregation.Sum),
        new(ProfileKind.Inuse, "inuse", SampleColumn.InuseBytes, SampleColumn.InuseCount, BytesUnit, "bytes in use", ValueAggregation.Gauge),
    ];

    private static readonly ProfileType[] ByKind = BuildIndex();

    /// <summary>The names of every kind, in order: <c>cpu</c>, <c>wall</c>, <c>alloc</c>, <c>inuse</c>.</summary>
    public static readonly IReadOnlyList<string> Names = All.Select(t => t.Name).ToArray();

    /// <summary>The names for messages: <c>cpu, wall, alloc or inuse</c>.</summary>
    public static readonly string NameList = Names.Count == 1 ? Names[0] : $"{string.Join(", ", Names.Take(Names.Count - 1))} or {Names[^1]}";

    /// <summary>The description of <paramref name="kind"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ProfileType Of(ProfileKind kind) =>
        (uint)kind < (uint)ByKind.Length ? ByKind[(int)kind] : throw new ArgumentOutOfRangeException(nameof(kind), kind, null);

    /// <summary>The kind named <paramref name="name"/> (exact, lower case, as on the wire).</summary>
    public static bool TryParse(string? name, [NotNullWhen(true)] out ProfileType? type)
    {
        foreach (var t in All)
        {
            if (string.Equals(t.Name, name, StringComparison.Ordinal))
            {
                type = t;
                return true;
            }
        }
        type = null;
        return false;
    }

    private static ProfileType[] BuildIndex()
    {
        var index = new ProfileType[All.Count];
        foreach (var t in All)
        {
            if ((int)t.Kind >= index.Length || index[(int)t.Kind] is not null)
                throw new InvalidOperationException($"Profile kind {t.Kind} is registered twice or out of order.");
            index[(int)t.Kind] = t;
        }
        return index;
    }
}

/// <summary>How <see cref="CallTree.MergeFrom(CallTree, GaugeMerge)"/> combines the in-use gauges.</summary>
public enum GaugeMerge
{
    /// <summary>Add them, like every other value: parts of one snapshot (split batches, processes at the same instant).</summary>
    Sum,

    /// <summary>Keep the larger per node: snapshots at different instants (rollup buckets, ranges of windows).</summary>
    Peak,
}
