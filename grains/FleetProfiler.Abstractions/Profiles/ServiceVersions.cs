namespace FleetProfiler.Abstractions.Profiles;

/// <summary>
/// One service version seen in a service's stored raw windows: the version the agent read from the process
/// (<c>Batch.service_version</c>), the start of its first window and the end of its last, and how many windows and hosts.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ServiceVersionInfo(
    [property: Id(0)] string Version,
    [property: Id(1)] DateTimeOffset FirstSeen,
    [property: Id(2)] DateTimeOffset LastSeen,
    [property: Id(3)] int Windows,
    [property: Id(4)] int Hosts);

/// <summary>
/// The versions of a service, newest (by last seen) first; <see cref="Truncated"/> when more than the limit exist.
/// <see cref="UnversionedWindows"/> counts the windows without a version (older agents, or none readable).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ServiceVersionList(
    [property: Id(0)] IReadOnlyList<ServiceVersionInfo> Versions,
    [property: Id(1)] bool Truncated,
    [property: Id(2)] int UnversionedWindows);
