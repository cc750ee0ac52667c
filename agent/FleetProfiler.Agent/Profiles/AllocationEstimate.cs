namespace FleetProfiler.Agent.Profiles;

/// <summary>
/// Turns one allocation sample into estimated bytes and objects.
/// </summary>
/// <remarks>
/// .NET 10 <c>AllocationSampled</c> runs a Bernoulli trial for every allocated byte with p = 1/102,400 and
/// reports an object when one of its bytes succeeds, so an object of <c>size</c> bytes is sampled with
/// probability <c>1 - (1-p)^size</c>. Weighting each sample by the inverse of that probability gives the
/// unbiased estimators from the runtime's design note (docs/design/features/RandomizedAllocationSampling.md,
/// "Estimation Approach 1: Weighted samples"): bytes <c>size / (1 - q^size)</c>, objects <c>1 / (1 - q^size)</c>.
/// Summing per type and stack stays unbiased. <c>SampledByteOffset</c> is only needed for the
/// confidence-interval estimator (approach 2), which we do not compute.
/// </remarks>
public static class AllocationEstimate
{
    /// <summary>Mean bytes between samples of the runtime's randomized allocation sampling.</summary>
    public const double SamplingDistance = 102_400;

    public static (double Bytes, double Count) FromAllocationSampled(long objectSize)
    {
        if (objectSize <= 0)
        {
            return (0, 0);
        }
        // Relative rounding error stays below 1e-10 even for 1-byte objects: plain Pow is enough.
        var probability = 1 - Math.Pow(1 - 1 / SamplingDistance, objectSize);
        return (objectSize / probability, 1 / probability);
    }

    /// <summary>
    /// <c>GCAllocationTick</c> (pre-.NET 10): the runtime reports the bytes allocated since the previous tick
    /// (~100 KB) against the type of the object that crossed the threshold. Biased towards large objects; objects
    /// are estimated as bytes / size of that object.
    /// </summary>
    public static (double Bytes, double Count) FromAllocationTick(long allocationAmount, long objectSize) =>
        (allocationAmount, objectSize > 0 ? (double)allocationAmount / objectSize : 1);
}
