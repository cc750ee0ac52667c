namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// "No trigger, no session", checked from the target's side: the kernel's view of the demo's diagnostics socket
/// (see <see cref="DiagnosticsSockets"/>), not the agent's word. The same check sees a session while one runs.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class IdleDaemonTests(DemoFixture demo) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_daemon_without_an_active_trigger_holds_no_EventPipe_session_on_the_target()
    {
        Assert.Empty(DiagnosticsSockets.AcceptedConnections(demo.Pid));
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url);
        await agent.WaitForLineAsync($"(pid {demo.Pid}, FleetProfiler.Demo", TestTimeouts.ProcessStart);
        Assert.Contains("no EventPipe session until a trigger fires", agent.Lines("FleetProfiler agent").Single());

        // Watch the target while the idle agent runs several discovery rounds (Agent:DiscoverySeconds=1): a session
        // is a connection held across samples, a discovery probe is over within a sample.
        var held = new List<long>();
        IReadOnlySet<long> previous = new HashSet<long>();
        for (var sample = 0; sample < 40; sample++)
        {
            var now = DiagnosticsSockets.AcceptedConnections(demo.Pid);
            held.AddRange(now.Intersect(previous));
            previous = now;
            await Task.Delay(100);
        }
        Assert.Empty(held);
        Assert.Empty(agent.Lines("Profiling "));
        // Glob rules and the socket listing go without the regex engine: the idle daemon never maps it (issue 12).
        Assert.DoesNotContain("System.Text.RegularExpressions.dll", File.ReadAllText($"/proc/{agent.Pid}/maps"));

        // Control: a window is visible to the same check, and gone once the trigger stops.
        Signals.Send(agent.Pid, FleetProfiler.Agent.Triggers.RealtimeSignals.Min + 1);
        await Eventually.Until(() => DiagnosticsSockets.AcceptedConnections(demo.Pid).Count > 0, TestTimeouts.Step, "a session on the demo");
        Signals.Send(agent.Pid, FleetProfiler.Agent.Triggers.RealtimeSignals.Min + 2);
        await agent.WaitForLineAsync("No trigger active: the agent holds no EventPipe session (0 open)", TestTimeouts.ProcessStart);
        await Eventually.Until(() => DiagnosticsSockets.AcceptedConnections(demo.Pid).Count == 0, TestTimeouts.Step, "the session closed");
    }
}
