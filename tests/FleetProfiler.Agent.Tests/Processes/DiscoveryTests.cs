namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// Discovery of processes that start and exit while the daemon runs, through the real diagnostics socket directory:
/// watched (the default: the directory is listed in the round after a socket appears or vanishes) and polled.
/// </summary>
public sealed class DiscoveryTests : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public async Task A_process_started_after_the_daemon_is_found_and_its_exit_noticed(string watch)
    {
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url,
            new Dictionary<string, string> { ["WatchDiagnosticsDirectory"] = watch });
        // The first round has run (the daemon is up and has looked) before the new process exists.
        await agent.WaitForLineAsync("FleetProfiler agent", Deadline);

        await using var late = await DemoService.StartAsync();
        var found = await agent.WaitForLineAsync($"(pid {late.Pid},", Deadline);
        Assert.Contains($"Found {late.Service}", found);

        await late.Process.KillAsync();
        await agent.WaitForLineAsync($"Process {late.Pid} ({late.Service}) exited; no longer a target", Deadline);
        Assert.Empty(agent.Lines("Cannot watch"));
        Assert.Empty(agent.Lines(" fail:"));
    }
}
