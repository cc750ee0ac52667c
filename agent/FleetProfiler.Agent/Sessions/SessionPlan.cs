using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace FleetProfiler.Agent.Sessions;

/// <summary>
/// Which EventPipe providers a window enables for the requested kinds (the agent's equivalent of dotnet-trace's
/// named profiles). The runtime's rundown at the end of the session (requested by the recorder) names every
/// method still loaded, including ReadyToRun framework code; the Loader/JIT keywords during the window catch
/// code that comes and goes within it, with IL-to-native maps for file:line.
/// </summary>
public sealed record SessionPlan(ProfileKinds Kinds, AllocationSource AllocationSource, IReadOnlyList<EventPipeProvider> Providers)
{
    public const string SampleProfilerProvider = "Microsoft-DotNETCore-SampleProfiler";
    public const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";

    public const long GCKeyword = 0x1;
    public const long LoaderKeyword = 0x8;
    public const long JitKeyword = 0x10;
    public const long JittedMethodILToNativeMapKeyword = 0x20000;
    public const long AllocationSamplingKeyword = 0x80000000000;
    public const long GCHeapSurvivalAndMovementKeyword = 0x400000;

    /// <summary>The first runtime with the AllocationSampled event.</summary>
    public static readonly Version AllocationSampledSince = new(10, 0);

    /// <param name="allocationEvent"><c>auto</c>, <c>sampled</c> or <c>tick</c> (see <see cref="AgentOptions.AllocationEvent"/>).</param>
    public static SessionPlan For(ProfileKinds kinds, Version? runtimeVersion, string allocationEvent = "auto")
    {
        if (kinds == ProfileKinds.None)
        {
            throw new ArgumentException("A window needs at least one profile kind.", nameof(kinds));
        }

        var providers = new List<EventPipeProvider>();
        if ((kinds & (ProfileKinds.Cpu | ProfileKinds.Wall)) != 0)
        {
            providers.Add(new EventPipeProvider(SampleProfilerProvider, EventLevel.Informational));
        }

        // MethodLoadVerbose and the IL maps are Verbose-level; the runtime provider appears once, so the
        // allocation keyword shares its level (AllocationSampled is Informational, GCAllocationTick Verbose).
        var runtimeKeywords = LoaderKeyword | JitKeyword | JittedMethodILToNativeMapKeyword;
        var allocationSource = AllocationSource.None;
        if (kinds.HasFlag(ProfileKinds.Inuse))
        {
            // In-use needs each sampled object's address (AllocationSampled only, never the tick) and the GC's
            // start/stop (GC keyword) and survival/move ranges; the same samples also give the alloc values.
            allocationSource = AllocationSource.AllocationSampled;
            runtimeKeywords |= AllocationSamplingKeyword | GCHeapSurvivalAndMovementKeyword | GCKeyword;
        }
        else if (kinds.HasFlag(ProfileKinds.Alloc))
        {
            allocationSource = ChooseAllocationSource(runtimeVersion, allocationEvent);
            // Never both in one session: each would count the same bytes again.
            runtimeKeywords |= allocationSource == AllocationSource.AllocationSampled ? AllocationSamplingKeyword : GCKeyword;
        }
        providers.Add(new EventPipeProvider(RuntimeProvider, EventLevel.Verbose, runtimeKeywords));

        return new SessionPlan(kinds, allocationSource, providers);
    }

    /// <summary>AllocationSampled on .NET 10+; GCAllocationTick when older or unknown (it exists everywhere).</summary>
    public static AllocationSource ChooseAllocationSource(Version? runtimeVersion, string allocationEvent = "auto") => allocationEvent switch
    {
        "sampled" => AllocationSource.AllocationSampled,
        "tick" => AllocationSource.GCAllocationTick,
        _ => runtimeVersion is not null && runtimeVersion >= AllocationSampledSince
            ? AllocationSource.AllocationSampled
            : AllocationSource.GCAllocationTick,
    };
}
