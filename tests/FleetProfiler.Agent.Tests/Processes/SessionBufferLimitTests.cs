using System.Globalization;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// The per-target limit on EventPipe buffers (Agent:MaxSessionBufferMBPerTarget, issue 10 item 4) in a real agent process
/// against real targets: a window the target's buffers cannot take is refused, saying why to the gateway and in the log;
/// the agent stays up and a target with room is profiled as usual.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class SessionBufferLimitTests(DemoFixture demo) : IDisposable
{
    private const int WindowMB = 8;
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_window_over_the_targets_buffer_limit_is_refused_with_the_reason_and_another_target_is_profiled()
    {
        // The limit is exactly one window's buffer. The demo is ASP.NET Core: the agent's always-on request metrics session
        // holds 1 MB in it, so no window fits there; the memory target (a console app) holds nothing, so a window fits.
        await using var other = await MemoryTarget.StartAsync(new MemoryTargetOptions { ChurnMBPerSecond = 5, RetainMBPerSecond = 0, RetainCapMB = 1 });
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url, new Dictionary<string, string>
        {
            ["Signals"] = "false",
            ["CircularBufferMB"] = WindowMB.ToString(CultureInfo.InvariantCulture),
            ["MaxSessionBufferMBPerTarget"] = WindowMB.ToString(CultureInfo.InvariantCulture),
            ["Attribution:Enabled"] = "false",
            ["RequestMetrics:Enabled"] = "true",
            ["RequestMetrics:CircularBufferMB"] = "1",
            ["RequestMetrics:IntervalSeconds"] = "1",
        });
        await agent.WaitForLineAsync($"(pid {other.Pid},", Deadline);
        await Eventually.Until(() => gateway.IsConnected, Deadline, "the agent connected");
        // The metrics session reserved its buffer before it started; this line comes from its first events.
        await agent.WaitForLineAsync($"Request metrics of {demo.Service} (pid {demo.Pid}): http.server.request.duration every", Deadline);

        // A window on the full target: refused at once, the reason in the answer the gateway gets and in the agent's log.
        await gateway.SendAsync(new Command { Id = "full", Action = Command.Types.Action.Start, Kind = "cpu", Pid = demo.Pid, Seconds = 2 });
        var full = await Eventually.Until(() => gateway.CommandResults.FirstOrDefault(r => r.Id == "full"), r => r is not null, Deadline, "the answer to 'full'");
        Assert.False(full!.Accepted);
        var reason = $"the window session's {WindowMB} MB buffer is refused: process {demo.Pid} already holds 1 MB of session buffers (Agent:MaxSessionBufferMBPerTarget = {WindowMB})";
        Assert.Equal(reason, full.Message);
        await agent.WaitForLineAsync(l => l.Contains("Gateway command full", StringComparison.Ordinal) && l.Contains("refused: " + reason, StringComparison.Ordinal),
            "the refusal in the agent's log", Deadline);

        // The other target has room: its window runs and arrives.
        await gateway.SendAsync(new Command { Id = "other", Action = Command.Types.Action.Start, Kind = "cpu", Pid = other.Pid, Seconds = 2 });
        await Eventually.Until(() => gateway.Batches.Any(b => b.Pid == other.Pid && b.Kinds.Contains("cpu")), Deadline, "the other target's window");
        Assert.True(gateway.CommandResults.Single(r => r.Id == "other").Accepted);
        await agent.WaitForLineAsync("command other finished: 1 window(s) spooled", Deadline);

        // A window on every target: the full one is skipped when its session would start (the log says why), the other
        // one is profiled again.
        await gateway.SendAsync(new Command { Id = "every", Action = Command.Types.Action.Start, Kind = "cpu", Pid = 0, Seconds = 2 });
        await agent.WaitForLineAsync("command every finished:", Deadline);
        Assert.True(gateway.CommandResults.Single(r => r.Id == "every").Accepted);
        Assert.Contains(agent.Lines($"command every: skipped pid {demo.Pid}"), l => l.Contains(reason));
        await Eventually.Until(() => gateway.Batches.Count(b => b.Pid == other.Pid && b.Kinds.Contains("cpu")) == 2, Deadline, "the other target's second window");

        // Nothing was collected from the full target, and the agent is still up, connected and serving commands.
        Assert.DoesNotContain(gateway.Batches, b => b.Pid == demo.Pid && b.Kinds.Contains("cpu"));
        Assert.False(agent.HasExited);
        await gateway.SendAsync(new Command { Id = "still-full", Action = Command.Types.Action.Start, Kind = "alloc", Pid = demo.Pid, Seconds = 2 });
        var again = await Eventually.Until(() => gateway.CommandResults.FirstOrDefault(r => r.Id == "still-full"), r => r is not null, Deadline, "the answer to 'still-full'");
        Assert.Equal(reason, again!.Message);
    }
}
