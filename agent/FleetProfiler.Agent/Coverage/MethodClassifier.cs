using System.Reflection;

namespace FleetProfiler.Agent.Coverage;

/// <summary>A method's state in one coverage run.</summary>
public enum MethodState
{
    Live,

    /// <summary>Unseen, and it could not have run inlined into a caller.</summary>
    DeadCertain,

    /// <summary>Unseen, but small enough to have run inlined into a caller.</summary>
    DeadProbable,
}

/// <summary>Facts of a run that apply to every method of a module.</summary>
/// <param name="Sound">False when nothing unseen may be called certain (JIT override, lost events, unreadable environment…).</param>
/// <param name="Loaded">The process loaded the module.</param>
/// <param name="NoInlining">Nothing can have been inlined into others: a JitNoInline canary, and the module's code was JIT-compiled
/// (ReadyToRun code was inlined by crossgen2 before the canary setting could apply).</param>
public sealed record ModuleFacts(bool Sound, bool Loaded, bool NoInlining);

/// <summary>
/// The rule measured in docs (shared notes, dead-code.md), with 0 violations over the test services: an unseen method is
/// dead-certain when it could not have been inlined, i.e. <c>NoInlining</c>, or more than
/// <see cref="MaxInlinedILBytes"/> bytes of IL without <c>AggressiveInlining</c> (the JIT's largest inlinee under dynamic
/// PGO, <c>JitExtDefaultPolicyMaxILProf = 0x400</c>), or its assembly was never loaded, or nothing was inlined at all.
/// </summary>
public static class MethodClassifier
{
    public const int MaxInlinedILBytes = 1024;

    public static MethodState Classify(bool seen, ModuleFacts module, MethodImplAttributes implementation, int ilBytes)
    {
        if (seen)
        {
            return MethodState.Live;
        }
        if (!module.Sound)
        {
            return MethodState.DeadProbable;
        }
        if (!module.Loaded || module.NoInlining || (implementation & MethodImplAttributes.NoInlining) != 0)
        {
            return MethodState.DeadCertain;
        }
        return (implementation & MethodImplAttributes.AggressiveInlining) == 0 && ilBytes > MaxInlinedILBytes
            ? MethodState.DeadCertain
            : MethodState.DeadProbable;
    }
}
