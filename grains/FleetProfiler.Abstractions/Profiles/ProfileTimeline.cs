namespace FleetProfiler.Abstractions.Profiles;

/// <summary>
/// Sample volume over time (the web app's range picker): slot i covers [From + i·Step, From + (i+1)·Step) and holds the
/// totals of the windows and buckets that start in it. A part answered by a coarser bucket (retention) lands in the
/// slot of that bucket's start; <see cref="Coarsest"/> names the coarsest level read.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProfileTimeline(
    [property: Id(0)] DateTimeOffset From,
    [property: Id(1)] TimeSpan Step,
    [property: Id(2)] int[] Windows,
    [property: Id(3)] long[] CpuSamples,
    [property: Id(4)] long[] WallSamples,
    [property: Id(5)] long[] AllocBytes,
    [property: Id(6)] bool Truncated,
    [property: Id(7)] string Coarsest)
{
    /// <summary>Most slots one timeline may have.</summary>
    public const int MaxSlots = 10_000;
}
