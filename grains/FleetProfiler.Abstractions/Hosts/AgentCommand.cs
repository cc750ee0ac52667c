namespace FleetProfiler.Abstractions.Hosts;

/// <summary>A remote trigger for a host's agent: start a profile of a kind on a process for some seconds, or stop.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentCommand(
    [property: Id(0)] string Id,
    [property: Id(1)] AgentCommandAction Action,
    [property: Id(2)] string Kind,
    [property: Id(3)] int ProcessId,
    [property: Id(4)] int Seconds);

/// <summary>What an <see cref="AgentCommand"/> asks for.</summary>
public enum AgentCommandAction
{
    /// <summary>Start a profile window.</summary>
    Start = 1,

    /// <summary>Stop a running profile.</summary>
    Stop = 2,
}

/// <summary>The gateway connection of an agent, called by the host grain to deliver commands over the agent's stream.</summary>
public interface IAgentConnection : IGrainObserver
{
    /// <summary>Queues a command on the agent's stream.</summary>
    Task SendAsync(AgentCommand command);
}
