namespace FleetProfiler.Abstractions.Profiles;

/// <summary>
/// One validated profile window of one process, as the gateway hands it to the host's grain.
/// <see cref="Tree"/> is a call tree encoded with FleetProfiler.Profiles' <c>CallTreeCodec</c>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProfileWindowUpload(
    [property: Id(0)] string AgentId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] int ProcessId,
    [property: Id(3)] string ProcessName,
    [property: Id(4)] DateTimeOffset WindowStart,
    [property: Id(5)] DateTimeOffset WindowEnd,
    [property: Id(6)] string Kinds,
    [property: Id(7)] double SamplingIntervalMs,
    [property: Id(8)] byte[] Tree,
    [property: Id(9)] int DroppedWindows,
    [property: Id(10)] IReadOnlyList<SourcePath>? SourcePaths = null,
    [property: Id(11)] string? AttributionMethod = null,
    [property: Id(12)] string? AttributionNote = null,
    [property: Id(13)] string? ServiceVersion = null);

/// <summary>
/// A source file as queries name it (<see cref="Path"/>, repository-relative) and as the PDB named it
/// (<see cref="Original"/>, e.g. the build machine's absolute path), kept so that people can find the build's file.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SourcePath([property: Id(0)] string Path, [property: Id(1)] string Original);

/// <summary>What became of an uploaded window.</summary>
public enum ApplyOutcome
{
    /// <summary>Persisted now.</summary>
    Applied = 0,

    /// <summary>This agent's sequence was persisted before (a resend): nothing applied twice.</summary>
    Duplicate = 1,
}

/// <summary>A time range [From, To).</summary>
[GenerateSerializer, Immutable]
public sealed record TimeRange([property: Id(0)] DateTimeOffset From, [property: Id(1)] DateTimeOffset To)
{
    /// <summary>True when To is after From.</summary>
    public bool IsValid => To > From;
}

/// <summary>
/// A merged profile over a time range: an encoded call tree and what went into it. <see cref="Covered"/> is the
/// range actually read: wider than the one asked for when long ranges snap to whole hours or a part older than its
/// level's retention is answered by the coarser bucket that holds it (<see cref="Widened"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MergedProfile(
    [property: Id(0)] byte[] Tree,
    [property: Id(1)] int Windows,
    [property: Id(2)] bool Truncated,
    [property: Id(3)] double SamplingIntervalMs,
    [property: Id(4)] bool Widened = false,
    [property: Id(5)] TimeRange? Covered = null,
    [property: Id(6)] int BucketsRead = 0,
    [property: Id(7)] int RawWindowsRead = 0,
    [property: Id(8)] string? Note = null);
