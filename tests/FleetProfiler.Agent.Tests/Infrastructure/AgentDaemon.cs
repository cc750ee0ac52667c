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
    public static async Task<ChildProcess> StartAsync(string spoolDirectory, string gatewayUrl, IReadOnlyDictionary<string, string>? settings = null,
        string? runAs = null)
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
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var args = all.Select(kv => $"--Agent:{kv.Key}={kv.Value}").ToList();
        var agent = runAs is null
            ? ChildProcess.StartDotnet("agent", Repo.AgentDll, args)
            : ChildProcess.Start($"agent as {runAs}", "runuser", ["-u", runAs, "--", "dotnet", Repo.AgentDll, .. args]);
        await agent.WaitForLineAsync("Application started", TimeSpan.FromSeconds(60));
        return agent;
    }

    /// <summary>Runs the one-shot mode to its end.</summary>
    public static async Task<(int ExitCode, ChildProcess Process)> RunOnceAsync(int pid, string kind, int seconds, string? runAs = null,
        IEnumerable<string>? extra = null)
    {
        string[] args = [Repo.AgentDll, "--once", "--pid", pid.ToString(), "--kind", kind, "--seconds", seconds.ToString(), .. extra ?? []];
        var agent = runAs is null
            ? ChildProcess.Start("agent --once", "dotnet", args)
            : ChildProcess.Start($"agent --once as {runAs}", "runuser", ["-u", runAs, "--", "dotnet", .. args]);
        var exit = await agent.WaitForExitAsync(TimeSpan.FromSeconds(120));
        return (exit, agent);
    }
}
