namespace FleetProfiler.Abstractions.Hosts;

/// <summary>
/// One profiled host of one service, keyed <c>service/host</c> (see <see cref="HostKey"/>).
/// It records which agent reports for the host and when it was last heard from.
/// </summary>
public interface IHostGrain : IGrainWithStringKey
{
    /// <summary>Records that an agent connected for this host; registers the host with its service.</summary>
    Task<HostInfo> RegisterAgentAsync(AgentRegistration registration);

    /// <summary>The host's identity, agent and liveness, or null when no agent ever registered.</summary>
    Task<HostInfo?> GetInfoAsync();
}

/// <summary>What an agent tells about itself when it connects.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentRegistration(
    [property: Id(0)] string AgentId,
    [property: Id(1)] string AgentVersion,
    [property: Id(2)] DateTimeOffset ConnectedAt);

/// <summary>A host as the fleet knows it.</summary>
[GenerateSerializer, Immutable]
public sealed record HostInfo(
    [property: Id(0)] string Service,
    [property: Id(1)] string Host,
    [property: Id(2)] string AgentId,
    [property: Id(3)] string AgentVersion,
    [property: Id(4)] DateTimeOffset FirstSeen,
    [property: Id(5)] DateTimeOffset LastSeen,
    [property: Id(6)] int Registrations);
