namespace FleetProfiler.Testing;

/// <summary>
/// Named failure bounds for waits on real processes and converging systems. They are not timing assertions: a passing
/// test returns as soon as what it waits for happens; these only decide how long a broken one hangs before it says why.
/// Generous, because the CI machine has two cores shared by several builds.
/// </summary>
public static class TestTimeouts
{
    /// <summary>A .NET program (agent, demo) printing its first "started" line.</summary>
    public static readonly TimeSpan ProcessStart = TimeSpan.FromSeconds(60);

    /// <summary>A silo printing its ready banner (Orleans start, store migration).</summary>
    public static readonly TimeSpan SiloReady = TimeSpan.FromSeconds(90);

    /// <summary>A one-shot program (agent --once, a CLI run) running to its end.</summary>
    public static readonly TimeSpan ProcessExit = TimeSpan.FromSeconds(120);

    /// <summary>A graceful stop (SIGTERM) before the process is killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    /// <summary>Something a running system does by itself: a window arriving, a session closing, a cluster noticing.</summary>
    public static readonly TimeSpan Convergence = TimeSpan.FromSeconds(60);

    /// <summary>A log line, a socket, an ack: one step of a running process.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    /// <summary><c>dotnet pack</c> or <c>dotnet tool install</c> from a local source.</summary>
    public static readonly TimeSpan DotnetTool = TimeSpan.FromMinutes(3);

    /// <summary>A Native AOT publish of the agent (restore of the ILCompiler package, ILC, the native link).</summary>
    public static readonly TimeSpan AotPublish = TimeSpan.FromMinutes(10);

    /// <summary>How often <see cref="Eventually"/> probes.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
}
