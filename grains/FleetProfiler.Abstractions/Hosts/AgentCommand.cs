namespace FleetProfiler.Abstractions.Hosts;

/// <summary>
/// A remote trigger for a host's agent: start a profile of a kind on a process for some seconds, or stop.
/// <paramref name="RequestedBy"/> names who asked (an API key's name, "schedule"), for the host's command list only:
/// the agent is not told.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AgentCommand(
    [property: Id(0)] string Id,
    [property: Id(1)] AgentCommandAction Action,
    [property: Id(2)] string Kind,
    [property: Id(3)] int ProcessId,
    [property: Id(4)] int Seconds,
    [property: Id(5)] string RequestedBy = "");

/// <summary>What an <see cref="AgentCommand"/> asks for.</summary>
public enum AgentCommandAction
{
    /// <summary>Start a profile window.</summary>
    Start = 1,

    /// <summary>Stop a running profile.</summary>
    Stop = 2,
}

/// <summary>
/// A command sent to a host's agent and what became of it, as the host grain keeps it: the last
/// <see cref="MaxKept"/> per host, the oldest dropped first.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HostCommand(
    [property: Id(0)] AgentCommand Command,
    [property: Id(1)] DateTimeOffset SentAt,
    [property: Id(2)] Schedules.CommandOutcome Outcome,
    [property: Id(3)] string Message,
    [property: Id(4)] DateTimeOffset? AnsweredAt)
{
    /// <summary>Commands kept per host; a new one past this drops the oldest.</summary>
    public const int MaxKept = 50;

    /// <summary>Longest agent message kept (longer ones are cut, ending in "…").</summary>
    public const int MaxMessage = 300;
}

/// <summary>The gateway connection of an agent, called by the host grain to deliver commands over the agent's stream.</summary>
public interface IAgentConnection : IGrainObserver
{
    /// <summary>Queues a command on the agent's stream.</summary>
    Task SendAsync(AgentCommand command);
}
