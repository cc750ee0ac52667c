using FleetProfiler.Agent.Triggers;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>Targets that go away or cannot be reached: one clear log line, and the agent goes on.</summary>
[Collection(DemoCollection.Name)]
public sealed class TargetFailureTests(DemoFixture demo) : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_target_that_exits_mid_window_is_logged_and_the_others_are_still_profiled()
    {
        await using var doomed = await DemoService.StartAsync();
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url, new Dictionary<string, string> { ["WindowSeconds"] = "4" });
        await agent.WaitForLineAsync($"(pid {doomed.Pid},", Deadline);
        await agent.WaitForLineAsync($"(pid {demo.Pid},", Deadline);

        Signals.Send(agent.Pid, RealtimeSignals.Min + 1);
        await agent.WaitForLineAsync($"Profiling {doomed.Service} (pid {doomed.Pid}", Deadline);
        // Kill it once the window's session is really running (seen from the kernel), not just announced. An ASP.NET Core
        // target has two: the attribution session opens first, then the window's own; killing between the two would
        // test a start-up failure instead.
        await Eventually.Until(() => DiagnosticsSockets.AcceptedConnections(doomed.Pid).Count >= 2, Deadline, "both sessions on the doomed demo");
        await doomed.Process.KillAsync();

        var exited = await agent.WaitForLineAsync($"Process {doomed.Pid} exited", Deadline);
        Assert.Contains("into the window; keeping what was collected", exited);
        await agent.WaitForLineAsync($"Process {doomed.Pid} ({doomed.Service}) exited; no longer a target", Deadline);
        // The run goes on with the other target.
        var spooledBefore = agent.Lines($"Spooled window of {demo.Service}").Count;
        await agent.WaitForLineAsync(l => agent.Lines($"Spooled window of {demo.Service}").Count > spooledBefore, "another window of the live demo", Deadline);
        Signals.Send(agent.Pid, RealtimeSignals.Min + 2);
        await agent.WaitForLineAsync("signal finished", Deadline);
        Assert.False(agent.HasExited);
        Assert.True(agent.Lines(" fail:").Count == 0, agent.Output);
    }

    [Fact]
    public async Task A_diagnostics_socket_the_agent_may_not_open_is_one_clear_line()
    {
        // The demo runs as root; the agent as nobody may not connect to root's socket (mode 0600).
        var (exit, once) = await AgentDaemon.RunOnceAsync(demo.Pid, "cpu", 1, runAs: "nobody");

        Assert.Equal(ExitCodes.TargetUnavailable, exit);
        var line = Assert.Single(once.StderrLines);
        Assert.Equal($"fleetprofiler-agent: diagnostics socket of process {demo.Pid} is not accessible (run the agent as the same user as the target, or as root)", line);

        // The daemon says it once and carries on.
        var spool = _dir.Combine("nobody-spool");
        Directory.CreateDirectory(spool);
        File.SetUnixFileMode(spool, (UnixFileMode)0b111_111_111);
        await using var agent = await AgentDaemon.StartAsync(spool, "http://127.0.0.1:1", runAs: "nobody");
        var warning = await agent.WaitForLineAsync($"cannot profile pid {demo.Pid}", Deadline);
        Assert.Contains("not accessible", warning);
        await agent.WaitForLineAsync("Gateway http://127.0.0.1:1 unavailable", Deadline);
        await agent.WaitForLineAsync(l => agent.Lines("Gateway http://127.0.0.1:1 unavailable").Count >= 2, "a second reconnect attempt", Deadline);
        Assert.Single(agent.Lines($"cannot profile pid {demo.Pid}"));
        Assert.False(agent.HasExited);
    }

    [Fact]
    public async Task A_missing_pdb_is_one_line_and_frames_keep_their_names()
    {
        var copy = _dir.Combine("demo-without-pdb");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(Repo.DemoDirectory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        File.Delete(Path.Combine(copy, "FleetProfiler.Demo.pdb"));
        await using var noPdb = await DemoService.StartAsync(new DemoOptions { Directory = copy, Environment = DemoService.NoInlining });

        var (exit, once) = await AgentDaemon.RunOnceAsync(noPdb.Pid, "cpu", 2);

        Assert.True(exit == 0, once.Output);
        var warning = Assert.Single(once.Lines("No PDB found for"));
        Assert.Contains(Path.Combine(copy, "FleetProfiler.Demo.dll"), warning);
        Assert.Contains("no file:line", warning);
        var frames = FoldedLine.Parse(once.StdoutLines).SelectMany(l => l.Frames).Where(f => f.StartsWith("FleetProfiler.Demo!", StringComparison.Ordinal)).ToList();
        Assert.Contains(frames, f => f == "FleetProfiler.Demo!FleetProfiler.Demo.PrimeSieve.IsPrime(int32)");
        Assert.DoesNotContain(frames, f => f.Contains(".cs:"));
    }
}
