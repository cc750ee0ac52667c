namespace FleetProfiler.Protocol;

/// <summary>
/// The one exit-code table of every FleetProfiler binary (agent, CLI, silo, gateway), like dotnet/diagnostics'
/// <c>ReturnCode</c>: a code means the same thing whichever binary returns it, so scripts, systemd units and
/// Kubernetes probes read them one way. It lives beside the wire contract because all four reference this project
/// and none has to take in server code for it. Listed in README.md, docs/operations.md and the agent and CLI READMEs.
/// </summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>A failure with no code of its own: unexpected errors (logged), deadline exceeded, an agent not
    /// connected, an output file not writable, an unhealthy platform (CLI <c>status</c>).</summary>
    public const int Failed = 1;

    /// <summary>CLI: the gateway answered NOT_FOUND: unknown service or host, or no data in the range.</summary>
    public const int NotFound = 2;

    /// <summary>CLI: the gateway rejected an argument (INVALID_ARGUMENT, OUT_OF_RANGE).</summary>
    public const int InvalidArgument = 3;

    /// <summary>A server this binary needs did not answer: the gateway (CLI), PostgreSQL at start (silo, gateway).
    /// Worth a retry or a restart.</summary>
    public const int Unreachable = 4;

    /// <summary>Agent: the target process cannot be profiled (pid not found, not .NET, diagnostics socket not accessible).</summary>
    public const int TargetUnavailable = 5;

    /// <summary>CLI: the host's agent refused the command (<c>trigger</c>, <c>heap take</c>); its reason is on stderr.</summary>
    public const int Refused = 6;

    /// <summary>Bad command line or configuration, in every binary (sysexits' EX_USAGE): one line names the option or
    /// setting. A restart cannot fix it, so systemd units do not restart on it.</summary>
    public const int Usage = 64;

    /// <summary>Interrupted (Ctrl+C, SIGTERM) before the work finished: 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;
}
