using FleetProfiler.Agent.Triggers;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>Real-time signals sent with kill(2) to a running agent daemon.</summary>
[Collection(DemoCollection.Name)]
public sealed class SignalTriggerTests(DemoFixture demo) : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task SIGRTMIN_plus_1_starts_an_allocation_profile_a_second_start_is_a_no_op_and_SIGRTMIN_plus_2_stops_it()
    {
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url);
        await agent.WaitForLineAsync($"(pid {demo.Pid},", Deadline);
        var listening = Assert.Single(agent.Lines("Listening for signals"));
        Assert.Contains($"kill -s SIGRTMIN+1 ({RealtimeSignals.Min + 1})", listening);

        Signals.Send(agent.Pid, RealtimeSignals.Min + 1);
        await agent.WaitForLineAsync("starting the alloc profile", Deadline);
        await agent.WaitForLineAsync(l => l.Contains("Spooled window of " + demo.Service) && l.Contains("alloc"), "a spooled alloc window", Deadline);

        Signals.Send(agent.Pid, RealtimeSignals.Min + 1);
        await agent.WaitForLineAsync("a signal-started profile is already running", Deadline);

        Signals.Send(agent.Pid, RealtimeSignals.Min + 2);
        await agent.WaitForLineAsync("stopping the signal-started profile", Deadline);
        var finished = await agent.WaitForLineAsync("signal finished", Deadline);
        await agent.WaitForLineAsync("No trigger active", Deadline);

        Assert.Single(agent.Lines("starting the alloc profile"));
        var windows = int.Parse(System.Text.RegularExpressions.Regex.Match(finished, @"(\d+) window\(s\)").Groups[1].Value);
        Assert.True(windows >= 1, finished);
        // What was collected reached the gateway: allocation windows of the demo, led by BuildRows.
        await Eventually.Until(() => gateway.Batches.Count(b => b.Pid == demo.Pid) >= windows, Deadline, "the windows at the gateway");
        var batches = gateway.Batches.Where(b => b.Pid == demo.Pid).ToList();
        Assert.All(batches, b => Assert.Equal(["alloc"], b.Kinds));
        Assert.All(batches, b => Assert.Equal(demo.Service, b.Service));
        var allocations = batches.SelectMany(TestWindows.Decode).ToList();
        Assert.Contains("ReportBuilder.BuildRows", allocations.MaxBy(s => s.Bytes).Stack);

        // A stop with nothing running says so; the agent stays up.
        Signals.Send(agent.Pid, RealtimeSignals.Min + 2);
        await agent.WaitForLineAsync("no signal-started profile is running", Deadline);
        Assert.False(agent.HasExited);
    }

    [Fact]
    public async Task SIGTERM_ends_the_running_windows_early_and_spools_them_before_the_agent_exits()
    {
        var spool = _dir.Combine("spool");
        var agent = await AgentDaemon.StartAsync(spool, "http://127.0.0.1:1", new Dictionary<string, string> { ["WindowSeconds"] = "300" });
        await agent.WaitForLineAsync($"(pid {demo.Pid},", Deadline);
        Signals.Send(agent.Pid, RealtimeSignals.Min + 1);
        await Eventually.Until(() => DiagnosticsSockets.AcceptedConnections(demo.Pid).Count > 0, Deadline, "the window's session on the demo");

        agent.Terminate();

        Assert.Equal(0, await agent.WaitForExitAsync(Deadline));
        Assert.Contains(agent.Lines("Spooled window of " + demo.Service), l => l.Contains("alloc"));
        Assert.Single(Directory.GetFiles(spool, "*.batch"));
        await agent.DisposeAsync();
    }
}
