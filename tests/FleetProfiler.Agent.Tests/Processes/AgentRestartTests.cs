using FleetProfiler.Agent.Sessions;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// What an agent finds when it starts again (issue 10, items 12 and 13): a wiped spool is a new epoch whose windows the
/// real platform stores, and what a killed run left behind is swept with a log line.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class AgentRestartTests(DemoFixture demo) : IDisposable
{
    private static readonly AgentCredential Agent = PlatformFixture.AgentA;
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task After_the_spool_is_wiped_new_windows_are_stored_not_acked_as_duplicates()
    {
        await using var platform = await PlatformFixture.StartAsync();
        var spool = _dir.Combine("spool");
        var settings = new Dictionary<string, string>
        {
            ["AgentId"] = Agent.AgentId,
            ["Host"] = Agent.Host,
            ["Token"] = Agent.Token,
            ["Schedules:0:Kind"] = "cpu",
            ["Schedules:0:Seconds"] = "1",
            ["Schedules:0:Every"] = "00:00:03",
            ["HostSampling"] = "1",
        };

        await using (var first = await AgentDaemon.StartAsync(spool, platform.GrpcUrl, settings))
        {
            var acked = await first.WaitForLineAsync("Gateway acked batch 1", Deadline);
            Assert.DoesNotContain("duplicate", acked);
        }
        Directory.Delete(spool, recursive: true);

        await using var second = await AgentDaemon.StartAsync(spool, platform.GrpcUrl, settings);
        await second.WaitForLineAsync("new epoch", Deadline);
        // Sequence 1 again: before epochs the store's (agent, sequence) key took it for a resend of the first run's batch.
        var again = await second.WaitForLineAsync("Gateway acked batch 1", Deadline);
        Assert.DoesNotContain("duplicate", again);
        Assert.Contains($"Spooled window of {demo.Service}", string.Join("\n", second.Lines("as batch 1:")));
        Assert.Empty(second.Lines("rejected"));
    }

    [Fact]
    public async Task What_a_killed_run_left_behind_is_swept_on_start_and_named_in_the_log()
    {
        var spool = _dir.Combine("spool");
        var temp = _dir.Combine("temp");
        Directory.CreateDirectory(temp);
        var settings = new Dictionary<string, string> { ["TempDirectory"] = temp };
        var traces = TraceDirectory.ForDaemon(new AgentOptions { SpoolDirectory = spool, TempDirectory = temp }).Path;

        // No gateway: nothing acks, so the spool keeps what it has.
        var unreachable = $"http://127.0.0.1:{FreePorts.Take()}";
        var killed = await AgentDaemon.StartAsync(spool, unreachable, settings);
        await killed.WaitForLineAsync($"(pid {demo.Pid},", Deadline);
        // A signal-started profile runs back-to-back windows until stopped: the kill interrupts one with its trace on disk.
        Signals.Send(killed.Pid, FleetProfiler.Agent.Triggers.RealtimeSignals.Min + 1);
        await killed.WaitForLineAsync($"Profiling {demo.Service}", Deadline);
        var trace = await Eventually.Until(() => Directory.Exists(traces) ? Directory.GetFiles(traces, "*.nettrace").FirstOrDefault() : null,
            f => f is not null, Deadline, "the window's trace on disk");
        await killed.KillAsync();
        // Leftovers of the spool's own: a write interrupted by a crash and a file an earlier run moved aside.
        var interrupted = Path.Combine(spool, "00000000000000000009.batch.tmp");
        File.WriteAllBytes(interrupted, [1, 2, 3]);
        var corrupt = Path.Combine(spool, "corrupt", "00000000000000000004.batch.20260101T000000000");
        Directory.CreateDirectory(Path.GetDirectoryName(corrupt)!);
        File.WriteAllBytes(corrupt, [0xff]);

        await using var restarted = await AgentDaemon.StartAsync(spool, unreachable, settings);
        var swept = restarted.Lines("Swept 1 trace file(s)");
        Assert.Contains(Path.GetFileName(trace!), Assert.Single(swept));
        Assert.False(File.Exists(trace));
        var spoolLine = Assert.Single(restarted.Lines("swept 2 leftover file(s)"));
        Assert.Contains("00000000000000000009.batch.tmp", spoolLine);
        Assert.Contains("corrupt/00000000000000000004.batch.20260101T000000000", spoolLine);
        Assert.False(File.Exists(interrupted) || File.Exists(corrupt));
    }
}
