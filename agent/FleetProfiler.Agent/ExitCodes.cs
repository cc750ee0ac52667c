namespace FleetProfiler.Agent;

/// <summary>Process exit codes (also in README.md).</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Unexpected failure (logged with the exception).</summary>
    public const int Failure = 1;

    /// <summary>The target cannot be profiled: pid not found, not a .NET process, diagnostics socket not accessible.</summary>
    public const int TargetUnavailable = 2;

    /// <summary>Bad command line or configuration.</summary>
    public const int Usage = 64;

    /// <summary>Interrupted (Ctrl+C / SIGTERM) before the window finished.</summary>
    public const int Interrupted = 130;
}
