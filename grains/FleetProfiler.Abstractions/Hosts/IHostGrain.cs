using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Abstractions.Hosts;

/// <summary>
/// One profiled host of one service, keyed <c>service/host</c> (see <see cref="HostKey"/>).
/// It records which agent reports for the host, persists the windows the agent uploads, exactly once per
/// agent sequence.
/// </summary>
public interface IHostGrain : IGrainWithStringKey
{
    /// <summary>Records that an agent connected for this host; registers the host with its service.</summary>
    Task<HostInfo> RegisterAgentAsync(AgentRegistration registration);

    /// <summary>The host's identity, agent and liveness, or null when no agent ever registered.</summary>
    Task<HostInfo?> GetInfoAsync();

    /// <summary>Attaches the gateway connection of the host's agent, replacing any earlier one.</summary>
    Task AttachAgentAsync(IAgentConnection connection);

    /// <summary>Detaches the connection if it is still the attached one.</summary>
    Task DetachAgentAsync(IAgentConnection connection);

    /// <summary>
    /// Sends a command to the host's agent; false when no agent is connected. Either way the command joins the
    /// host's recent commands (<see cref="GetCommandsAsync"/>): sent, or offline.
    /// </summary>
    Task<bool> SendCommandAsync(AgentCommand command);

    /// <summary>
    /// Records the agent's answer to a command this host sent (accepted or refused, with the agent's message), or with
    /// <paramref name="finished"/> the end of the one-shot run it accepted (done or failed); false when the id is not
    /// among the host's recent commands (another service's host, or dropped). A first answer to a command already
    /// answered, or an end of one refused or ended, changes nothing.
    /// </summary>
    Task<bool> RecordCommandResultAsync(string commandId, bool accepted, string message, bool finished = false);

    /// <summary>The host's recent commands, newest first (at most <see cref="HostCommand.MaxKept"/>).</summary>
    Task<IReadOnlyList<HostCommand>> GetCommandsAsync();

    /// <summary>Persists a window unless this agent's sequence was persisted before. Returns only once it is durable.</summary>
    Task<ApplyOutcome> ApplyWindowAsync(ProfileWindowUpload upload);

    /// <summary>Persists a batch of route minutes unless this agent's sequence was persisted before. Returns once durable.</summary>
    Task<ApplyOutcome> ApplyRouteMinutesAsync(Endpoints.RouteMinutesUpload upload);

    /// <summary>
    /// Forwards a coverage run to the <see cref="Coverage.ISourceFileGrain"/> of each of its files for the run's UTC
    /// day and indexes them in the day's <see cref="Coverage.IDeadCodeDayGrain"/>. Returns once every file-day is
    /// durable; <see cref="ApplyOutcome.Duplicate"/> when every file had the run already (a resend).
    /// </summary>
    Task<ApplyOutcome> ApplyCoverageAsync(Coverage.CoverageUpload upload);

    /// <summary>
    /// Stores a heap snapshot in the host's <see cref="HeapSnapshots.IHeapSnapshotsGrain"/> unless this agent's sequence
    /// was stored before. Returns once it is durable.
    /// </summary>
    Task<ApplyOutcome> ApplyHeapSnapshotAsync(HeapSnapshots.HeapSnapshotUpload upload, int droppedByAgent);
}

/// <summary>What an agent tells about itself when it connects (the host grain's clock says when).</summary>
[GenerateSerializer, Immutable]
public sealed record AgentRegistration(
    [property: Id(0)] string AgentId,
    [property: Id(1)] string AgentVersion);

/// <summary>A host as the fleet knows it.</summary>
[GenerateSerializer, Immutable]
public sealed record HostInfo(
    [property: Id(0)] string Service,
    [property: Id(1)] string Host,
    [property: Id(2)] string AgentId,
    [property: Id(3)] string AgentVersion,
    [property: Id(4)] DateTimeOffset FirstSeen,
    [property: Id(5)] DateTimeOffset LastSeen,
    [property: Id(6)] int Registrations,
    [property: Id(7)] long WindowsApplied = 0,
    [property: Id(8)] long DuplicatesIgnored = 0,
    [property: Id(9)] long WindowsDroppedByAgent = 0,
    [property: Id(10)] bool AgentConnected = false);
