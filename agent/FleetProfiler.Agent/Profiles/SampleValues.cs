namespace FleetProfiler.Agent.Profiles;

/// <summary>
/// Values of one stack in one window. Thread samples count into <see cref="WallSamples"/> always and into
/// <see cref="CpuSamples"/> when the thread was running managed code. Allocation values are unbiased estimates
/// (see <see cref="AllocationEstimate"/>), rounded.
/// </summary>
public readonly record struct SampleValues(long CpuSamples, long WallSamples, long AllocBytes, long AllocCount)
{
    public static SampleValues operator +(SampleValues a, SampleValues b) =>
        new(a.CpuSamples + b.CpuSamples, a.WallSamples + b.WallSamples, a.AllocBytes + b.AllocBytes, a.AllocCount + b.AllocCount);

    /// <summary>The headline value for one kind: cpu samples, wall samples or allocated bytes.</summary>
    public long For(ProfileKinds kind) => kind switch
    {
        ProfileKinds.Cpu => CpuSamples,
        ProfileKinds.Wall => WallSamples,
        ProfileKinds.Alloc => AllocBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Pass exactly one kind."),
    };
}
