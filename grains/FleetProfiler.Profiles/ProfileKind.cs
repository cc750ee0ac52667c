namespace FleetProfiler.Profiles;

/// <summary>Which view of a profile: each kind has a main value in <see cref="SampleValues"/>.</summary>
public enum ProfileKind
{
    /// <summary>Samples of threads running managed code; main value <see cref="SampleValues.CpuSamples"/>.</summary>
    Cpu = 0,
    /// <summary>Samples of every managed thread, running or blocked; main value <see cref="SampleValues.WallSamples"/>.</summary>
    Wall = 1,
    /// <summary>Sampled allocations; main value <see cref="SampleValues.AllocBytes"/>, secondary <see cref="SampleValues.AllocCount"/>.</summary>
    Alloc = 2,
}
