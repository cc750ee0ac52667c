namespace FleetProfiler.Profiles;

/// <summary>
/// The six measurements kept per call-tree node. Arithmetic is unchecked (wraps) and exact,
/// so adding then subtracting the same values always restores the original.
/// </summary>
/// <remarks>
/// <see cref="InuseBytes"/> and <see cref="InuseCount"/> are gauges (<see cref="ValueAggregation.Gauge"/>): within one
/// window they add up over stacks like the others, but across windows they are combined by
/// <see cref="CombineGauges"/> (or by the reader's latest-per-process rule), never summed over time.
/// </remarks>
public readonly record struct SampleValues(long CpuSamples, long WallSamples, long AllocBytes, long AllocCount, long InuseBytes = 0, long InuseCount = 0)
{
    /// <summary>All values zero.</summary>
    public static SampleValues Zero => default;

    /// <summary>Only CPU samples.</summary>
    public static SampleValues Cpu(long samples) => new(samples, 0, 0, 0);

    /// <summary>Only wall-clock samples.</summary>
    public static SampleValues Wall(long samples) => new(0, samples, 0, 0);

    /// <summary>Only allocation bytes and count.</summary>
    public static SampleValues Alloc(long bytes, long count) => new(0, 0, bytes, count);

    /// <summary>Only in-use bytes and count.</summary>
    public static SampleValues Inuse(long bytes, long count) => new(0, 0, 0, 0, bytes, count);

    /// <summary>Values with only the main value of <paramref name="kind"/> set (alloc: bytes).</summary>
    public static SampleValues Of(ProfileKind kind, long value) => Of(ProfileTypes.Of(kind).Value, value);

    /// <summary>Values with only <paramref name="column"/> set.</summary>
    public static SampleValues Of(SampleColumn column, long value) => column switch
    {
        SampleColumn.CpuSamples => new(value, 0, 0, 0),
        SampleColumn.WallSamples => new(0, value, 0, 0),
        SampleColumn.AllocBytes => new(0, 0, value, 0),
        SampleColumn.AllocCount => new(0, 0, 0, value),
        SampleColumn.InuseBytes => new(0, 0, 0, 0, value, 0),
        SampleColumn.InuseCount => new(0, 0, 0, 0, 0, value),
        _ => throw new ArgumentOutOfRangeException(nameof(column), column, null),
    };

    /// <summary>The main value of <paramref name="kind"/> (<see cref="ProfileType.Value"/>): CPU samples, wall samples, allocated or in-use bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Get(ProfileKind kind) => Get(ProfileTypes.Of(kind).Value);

    /// <summary>The secondary value of <paramref name="kind"/> (<see cref="ProfileType.Secondary"/>): the object count for alloc and inuse, else the main value.</summary>
    public long GetSecondary(ProfileKind kind) => Get(ProfileTypes.Of(kind).Secondary);

    /// <summary>One measurement.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Get(SampleColumn column) => column switch
    {
        SampleColumn.CpuSamples => CpuSamples,
        SampleColumn.WallSamples => WallSamples,
        SampleColumn.AllocBytes => AllocBytes,
        SampleColumn.AllocCount => AllocCount,
        SampleColumn.InuseBytes => InuseBytes,
        SampleColumn.InuseCount => InuseCount,
        _ => throw new ArgumentOutOfRangeException(nameof(column), column, null),
    };

    /// <summary>True when all values are zero.</summary>
    public bool IsZero => (CpuSamples | WallSamples | AllocBytes | AllocCount | InuseBytes | InuseCount) == 0;

    /// <summary>True when a gauge value (in-use) is set.</summary>
    public bool HasGauges => (InuseBytes | InuseCount) != 0;

    /// <summary>These values without the gauges (what a sum over time may keep).</summary>
    public SampleValues WithoutGauges => this with { InuseBytes = 0, InuseCount = 0 };

    /// <summary>
    /// The six values. Written out because the generated record ToString would print <see cref="WithoutGauges"/>, a
    /// SampleValues itself, and recurse until the stack overflows (found by the ingest fuzz test).
    /// </summary>
    public override string ToString() =>
        $"cpu {CpuSamples}, wall {WallSamples}, alloc {AllocBytes} B / {AllocCount}, inuse {InuseBytes} B / {InuseCount}";

    /// <summary>Component-wise sum.</summary>
    public SampleValues Add(in SampleValues other) => this + other;

    /// <summary>Component-wise difference.</summary>
    public SampleValues Subtract(in SampleValues other) => this - other;

    /// <summary>Only the gauges (in-use bytes and objects) of <paramref name="v"/>; every counter zero.</summary>
    public static SampleValues GaugesOf(in SampleValues v) => new(0, 0, 0, 0, v.InuseBytes, v.InuseCount);

    /// <summary>
    /// Two windows' values of the same node combined over time: counters (cpu, wall, alloc) add, gauges (in-use) keep
    /// the larger (the peak). Associative, commutative and idempotent on the gauges, so buckets of any shape agree.
    /// </summary>
    public static SampleValues CombineGauges(in SampleValues a, in SampleValues b) => new(
        unchecked(a.CpuSamples + b.CpuSamples), unchecked(a.WallSamples + b.WallSamples),
        unchecked(a.AllocBytes + b.AllocBytes), unchecked(a.AllocCount + b.AllocCount),
        Math.Max(a.InuseBytes, b.InuseBytes), Math.Max(a.InuseCount, b.InuseCount));

    /// <summary>Component-wise sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SampleValues operator +(in SampleValues a, in SampleValues b) => new(
        unchecked(a.CpuSamples + b.CpuSamples), unchecked(a.WallSamples + b.WallSamples),
        unchecked(a.AllocBytes + b.AllocBytes), unchecked(a.AllocCount + b.AllocCount),
        unchecked(a.InuseBytes + b.InuseBytes), unchecked(a.InuseCount + b.InuseCount));

    /// <summary>Component-wise difference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SampleValues operator -(in SampleValues a, in SampleValues b) => new(
        unchecked(a.CpuSamples - b.CpuSamples), unchecked(a.WallSamples - b.WallSamples),
        unchecked(a.AllocBytes - b.AllocBytes), unchecked(a.AllocCount - b.AllocCount),
        unchecked(a.InuseBytes - b.InuseBytes), unchecked(a.InuseCount - b.InuseCount));

    /// <summary>Component-wise negation.</summary>
    public static SampleValues operator -(in SampleValues a) => Zero - a;
}
