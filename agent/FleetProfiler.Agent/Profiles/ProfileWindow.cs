namespace FleetProfiler.Agent.Profiles;

/// <summary>
/// One collection window of one process: what the agent will send upstream.
/// </summary>
/// <param name="SamplingInterval">Sample-profiler interval observed in this window (median over threads of the
/// mean gap between a thread's samples); null when the window had no thread samples.</param>
/// <param name="Samples">Aggregated by stack (and allocated type); unordered.</param>
public sealed record ProfileWindow(
    int ProcessId,
    string Service,
    DateTime StartUtc,
    DateTime EndUtc,
    ProfileKinds Kinds,
    TimeSpan? SamplingInterval,
    IReadOnlyList<StackSample> Samples,
    WindowDiagnostics Diagnostics)
{
    /// <summary>The target's process (or app dll) name.</summary>
    public string ProcessName { get; init; } = "";

    /// <summary>For source files shown repository-relative in <see cref="Samples"/>: the path the PDB named (the build path).</summary>
    public IReadOnlyDictionary<string, string> OriginalPaths { get; init; } = new Dictionary<string, string>();

    /// <summary>The service's version in the process (<see cref="Discovery.ServiceVersionReader"/>); null when unknown.</summary>
    public string? ServiceVersion { get; init; }

    /// <summary>How <see cref="Samples"/> were attributed to endpoints; null when attribution is off (<c>Agent:Attribution:Enabled</c>).</summary>
    public WindowAttribution? Attribution { get; init; }

    public SampleValues Totals => Samples.Aggregate(default(SampleValues), (sum, s) => sum + s.Values);

    /// <summary>Root pseudo-frame of a stack under its endpoint (<see cref="ToCallTree"/> by endpoint).</summary>
    public const string EndpointFramePrefix = "[endpoint] ";

    /// <summary>The window as a call tree, as the gateway builds it from the batch: allocation stacks end with the allocated type's pseudo-frame.</summary>
    /// <param name="byEndpoint">Each stack under a root pseudo-frame <c>[endpoint] METHOD route</c> (attributed windows only).</param>
    public CallTree ToCallTree(bool byEndpoint = false)
    {
        var tree = new CallTree();
        var stack = new List<Frame>(64);
        foreach (var sample in Samples)
        {
            stack.Clear();
            if (byEndpoint && sample.Endpoint is not null)
            {
                stack.Add(new Frame(EndpointFramePrefix + sample.Endpoint, null, 0));
            }
            stack.AddRange(sample.Frames);
            if (sample.AllocatedType is not null)
            {
                stack.Add(Frame.AllocatedType(sample.AllocatedType));
            }
            tree.Add(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(stack), sample.Values);
        }
        return tree;
    }
}

/// <summary>Where allocation samples came from.</summary>
public enum AllocationSource
{
    None,

    /// <summary>.NET 10+ <c>AllocationSampled</c>: randomized, unbiased after weighting.</summary>
    AllocationSampled,

    /// <summary>Older runtimes: <c>GCAllocationTick</c> every ~100 KB, attributed to the object that crossed the threshold (biased).</summary>
    GCAllocationTick,
}

/// <summary>How the window went: for logs, tests and the overhead budget.</summary>
public sealed record WindowDiagnostics(
    string? RuntimeVersion,
    AllocationSource AllocationSource,
    bool TargetExited,
    int EventsLost,
    long FrameCount,
    long ResolvedFrameCount,
    IReadOnlyList<string> ModulesWithoutPdb,
    long TraceBytes,
    TimeSpan AgentCpuTime)
{
    public double ResolvedFrameRatio => FrameCount == 0 ? 1 : (double)ResolvedFrameCount / FrameCount;

    /// <summary>In-use windows: how the live-object tracking went (null for other kinds).</summary>
    public LiveHeap.LiveHeapSummary? LiveHeap { get; init; }
}
