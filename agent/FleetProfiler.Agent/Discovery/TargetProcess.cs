namespace FleetProfiler.Agent.Discovery;

/// <summary>A .NET process the agent can profile.</summary>
/// <param name="ServiceName">From the target's <c>OTEL_SERVICE_NAME</c>, else its process (or app dll) name.</param>
/// <param name="RuntimeVersion">The target's runtime version (e.g. 10.0.12), null when it could not be read.</param>
public sealed record TargetProcess(int ProcessId, string ServiceName, string ProcessName, Version? RuntimeVersion)
{
    /// <summary>The service's version in this process (<see cref="ServiceVersionReader"/>), read once when the process is described; null when unknown.</summary>
    public string? ServiceVersion { get; init; }
}

/// <summary>The process cannot be profiled: gone, not .NET, or its diagnostics socket is out of reach.</summary>
public sealed class TargetUnavailableException(int processId, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public int ProcessId { get; } = processId;
}
