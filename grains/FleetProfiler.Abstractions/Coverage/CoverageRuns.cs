namespace FleetProfiler.Abstractions.Coverage;

/// <summary>How sure a "never ran" verdict is (see docs/dead-code.md).</summary>
public enum DeadConfidence
{
    /// <summary>Could not have run unseen: NoInlining, IL over 1024 bytes, a never-loaded assembly, or a canary run.</summary>
    Certain = 1,
    /// <summary>Small enough to have been inlined into a caller that ran.</summary>
    Probable = 2,
}

/// <summary>
/// One run's view of one source file, as a host grain (production) or the Cobertura import (a test rig) hands it to
/// the file's <see cref="ISourceFileGrain"/>. Lines are packed inclusive ranges <c>[first, last, ...]</c>, already
/// validated (sorted, disjoint, missed lines inside executable ones).
/// </summary>
/// <param name="RunId">Identity of the run, unique fleet-wide (<c>agent:sequence</c>, or <c>rig:source:hash</c>); applying a run twice is a no-op.</param>
/// <param name="Source">"" for production runs; the rig's name ("integration-rig") for imported test coverage.</param>
/// <param name="Service">The service the run profiled ("" for a rig).</param>
/// <param name="Host">The host of the run ("" for a rig).</param>
/// <param name="At">When the run was taken (its UTC day keys the grain).</param>
/// <param name="Canary">The target ran with <c>DOTNET_JitNoInline=1</c>: every miss is certain.</param>
/// <param name="UncertainReason">Non-empty when the run could call nothing certain (its certain misses count as probable).</param>
/// <param name="Executable">Lines with a sequence point in this run's build.</param>
/// <param name="MissedCertain">Missed lines, certain.</param>
/// <param name="MissedProbable">Missed lines, probable.</param>
/// <param name="DeadMethods">Methods of the file that never ran in this run (null when the run does not say, e.g. Cobertura).</param>
[GenerateSerializer, Immutable]
public sealed record CoverageFileRun(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Source,
    [property: Id(2)] string Service,
    [property: Id(3)] string Host,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] bool Canary,
    [property: Id(6)] string UncertainReason,
    [property: Id(7)] int[] Executable,
    [property: Id(8)] int[] MissedCertain,
    [property: Id(9)] int[] MissedProbable,
    [property: Id(10)] IReadOnlyList<DeadMethod>? DeadMethods);

/// <summary>A method that never ran: its name (Namespace.Type.Method), first line and confidence.</summary>
[GenerateSerializer, Immutable]
public sealed record DeadMethod(
    [property: Id(0)] string Name,
    [property: Id(1)] int Line,
    [property: Id(2)] DeadConfidence Confidence);

/// <summary>One run behind a file-day, as the annotated view lists it.</summary>
[GenerateSerializer, Immutable]
public sealed record CoverageRunInfo(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Source,
    [property: Id(2)] string Service,
    [property: Id(3)] string Host,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] bool Canary,
    [property: Id(6)] string UncertainReason);

/// <summary>One validated coverage batch of one process, as the gateway hands it to the host grain.</summary>
/// <param name="AgentId">The agent; with <paramref name="Sequence"/> the run's identity.</param>
/// <param name="Sequence">The batch's sequence.</param>
/// <param name="At">The window's start: its UTC day is the day the run counts for.</param>
/// <param name="Canary">See <see cref="CoverageFileRun.Canary"/>.</param>
/// <param name="UncertainReason">See <see cref="CoverageFileRun.UncertainReason"/>.</param>
/// <param name="Files">Per source file: lines and the file's dead methods.</param>
/// <param name="DroppedWindows">Batches the agent's spool dropped before this one.</param>
[GenerateSerializer, Immutable]
public sealed record CoverageUpload(
    [property: Id(0)] string AgentId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] bool Canary,
    [property: Id(4)] string UncertainReason,
    [property: Id(5)] IReadOnlyList<CoverageFileLines> Files,
    [property: Id(6)] int DroppedWindows);

/// <summary>One file of a coverage upload (packed ranges as in <see cref="CoverageFileRun"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record CoverageFileLines(
    [property: Id(0)] string Path,
    [property: Id(1)] int[] Executable,
    [property: Id(2)] int[] MissedCertain,
    [property: Id(3)] int[] MissedProbable,
    [property: Id(4)] IReadOnlyList<DeadMethod> DeadMethods);
