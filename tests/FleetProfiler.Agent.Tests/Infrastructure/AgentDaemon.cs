namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>The agent's daemon mode as a real process, configured on its command line.</summary>
public static class AgentDaemon
{
    public const string AgentId = "agent-test";
    public const string Host = "test-host";
    public const string Token = "test-token-0123456789";

    /// <summary>
    /// Starts the daemon with <paramref name="settings"/> (keys under <c>Agent:</c>) over sensible test defaults and
    /// waits until its signal handlers are registered (signals sent before that would kill it).
    /// </summary>
    /// <param name="executable">A native agent (the Native AOT build) instead of <c>dotnet</c> with the build's DLL.</param>
    public static async Task<ChildProcess> StartAsync(string spoolDirectory, string gatewayUrl, IReadOnlyDictionary<string, string>? settings = null,
        string? runAs = null, string? executable = null)
    {
        var all = new Dictionary<string, string>
        {
            ["AgentId"] = AgentId,
            ["Host"] = Host,
            ["Token"] = Token,
            ["GatewayUrl"] = gatewayUrl,
            ["SpoolDirectory"] = spoolDirectory,
            ["DiscoverySeconds"] = "1",
            ["WindowSeconds"] = "2",
            ["ReconnectMinSeconds"] = "0.2",
            ["ReconnectMaxSeconds"] = "2",
            // Only this test run's demos: never attach to anything else on the machine.
            ["Include:0"] = DemoService.ServicePrefix + "-*",
            // The always-on metrics session would hold a connection to every ASP.NET Core target; tests of windows
            // and of "no trigger, no session" switch it on only where they test it.
            ["RequestMetrics:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var args = all.Select(kv => $"--Agent:{kv.Key}={kv.Value}").ToList();
        if (runAs is null)
        {
            var agent = ChildProcess.StartProgram("agent", executable ?? Repo.AgentDll, args);
            await agent.WaitForLineAsync("Application started", TestTimeouts.ProcessStart);
            return agent;
        }
        var staged = StageForOtherUser();
        var other = ChildProcess.Start($"agent as {runAs}", "runuser", ["-u", runAs, "--", "dotnet", staged.Dll, .. args]);
        other.DisposeWith(staged.Directory);
        await other.WaitForLineAsync("Application started", TestTimeouts.ProcessStart);
        return other;
    }

    /// <summary>Runs the one-shot mode to its end.</summary>
    public static async Task<(int ExitCode, ChildProcess Process)> RunOnceAsync(int pid, string kind, int seconds, string? runAs = null,
        IEnumerable<string>? extra = null)
    {
        string[] args = ["--once", "--pid", pid.ToString(), "--kind", kind, "--seconds", seconds.ToString(), .. extra ?? []];
        if (runAs is null)
        {
            var agent = ChildProcess.Start("agent --once", "dotnet", [Repo.AgentDll, .. args]);
            return (await agent.WaitForExitAsync(TestTimeouts.ProcessExit), agent);
        }
        var staged = StageForOtherUser();
        using (staged.Directory)
        {
            var other = ChildProcess.Start($"agent --once as {runAs}", "runuser", ["-u", runAs, "--", "dotnet", staged.Dll, .. args]);
            return (await other.WaitForExitAsync(TestTimeouts.ProcessExit), other);
        }
    }

    /// <summary>
    /// A copy of the agent's build output another user can run: the repository may live where only its owner can enter.
    /// </summary>
    private static (TempDirectory Directory, string Dll) StageForOtherUser()
    {
        var directory = new TempDirectory("agent");
        var copy = directory.StageForOtherUsers(Path.GetDirectoryName(Repo.AgentDll)!, "agent");
        return (directory, Path.Combine(copy, Path.GetFileName(Repo.AgentDll)));
    }
}
