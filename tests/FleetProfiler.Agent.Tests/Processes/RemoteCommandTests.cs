namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>Commands pushed by the gateway down the agent's stream: answered on the same stream, windows spooled and sent.</summary>
[Collection(DemoCollection.Name)]
public sealed class RemoteCommandTests(DemoFixture demo) : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_runs_one_window_of_the_kind_on_the_process_and_stop_ends_it_early_keeping_it()
    {
        await using var gateway = await FakeGateway.StartAsync();
        var traces = _dir.Combine("traces");
        Directory.CreateDirectory(traces);
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url,
            new Dictionary<string, string> { ["Signals"] = "false", ["TempDirectory"] = traces });
        await agent.WaitForLineAsync($"(pid {demo.Pid},", Deadline);
        await Eventually.Until(() => gateway.IsConnected, Deadline, "the agent connected");
        Assert.Contains(demo.Service, gateway.Hellos.Last().Services);

        await gateway.SendAsync(new Command { Id = "c1", Action = Command.Types.Action.Start, Kind = "cpu", Pid = demo.Pid, Seconds = 2 });
        var cpu = await Eventually.Until(() => gateway.Batches.FirstOrDefault(b => b.Kinds.Contains("cpu")), b => b is not null, Deadline, "the cpu window");
        var accepted = Assert.Single(gateway.CommandResults, r => r.Id == "c1");
        Assert.True(accepted.Accepted, accepted.Message);
        Assert.Equal(demo.Pid, cpu!.Pid);
        // The window lasted the commanded 2 s (plus the rundown after the stop request).
        Assert.True((cpu.WindowEnd.ToDateTime() - cpu.WindowStart.ToDateTime()).TotalSeconds >= 1.9);
        Assert.True(cpu.SamplingIntervalMs > 0);
        Assert.Contains(TestWindows.Decode(cpu), s => s.Stack.Contains("PrimeSieve.IsPrime(int32)@") && s.Cpu > 0);

        // A long window, stopped: it ends early and still arrives.
        var sinceStart = Stopwatch.StartNew();
        await gateway.SendAsync(new Command { Id = "c2", Action = Command.Types.Action.Start, Kind = "alloc", Pid = 0, Seconds = 300 });
        // Stop once allocation events are flowing into the window's trace.
        await Eventually.Until(() => Directory.GetFiles(traces, "*.nettrace", SearchOption.AllDirectories).Select(f => new FileInfo(f).Length).DefaultIfEmpty().Max() > 256 * 1024,
            Deadline, "allocation events in the window's trace");
        await gateway.SendAsync(new Command { Id = "c3", Action = Command.Types.Action.Stop, Kind = "alloc" });
        var alloc = await Eventually.Until(() => gateway.Batches.FirstOrDefault(b => b.Kinds.Contains("alloc")), b => b is not null, Deadline, "the stopped alloc window");
        // It ended at the stop, not at its commanded 300 s, and says so: the window it reports is no longer than the time
        // that passed between the start command and its arrival (a window labelled with its planned end would be 300 s).
        var duration = alloc!.WindowEnd.ToDateTime() - alloc.WindowStart.ToDateTime();
        Assert.InRange(duration, TimeSpan.FromSeconds(0.1), sinceStart.Elapsed + TimeSpan.FromSeconds(1));
        Assert.True(alloc.Samples.Sum(s => s.AllocBytes) > 0);
        await Eventually.Until(() => gateway.CommandResults.Count >= 3, Deadline, "three answers");
        Assert.True(gateway.CommandResults.Single(r => r.Id == "c3").Accepted);

        // Refusals say why.
        await gateway.SendAsync(new Command { Id = "bad-kind", Action = Command.Types.Action.Start, Kind = "gcdump", Pid = demo.Pid, Seconds = 2 });
        await gateway.SendAsync(new Command { Id = "bad-pid", Action = Command.Types.Action.Start, Kind = "cpu", Pid = 999_999_0, Seconds = 2 });
        await Eventually.Until(() => gateway.CommandResults.Count >= 5, Deadline, "the refusals");
        var badKind = gateway.CommandResults.Single(r => r.Id == "bad-kind");
        Assert.False(badKind.Accepted);
        Assert.Contains("unknown kind 'gcdump'", badKind.Message);
        var badPid = gateway.CommandResults.Single(r => r.Id == "bad-pid");
        Assert.False(badPid.Accepted);
        Assert.Contains("not found", badPid.Message);
    }

    [Fact]
    public async Task A_command_never_reaches_a_pid_outside_the_include_rules_nor_stacks_a_second_run_on_a_target()
    {
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url,
            new Dictionary<string, string> { ["Signals"] = "false", ["Include:0"] = demo.Service });
        await agent.WaitForLineAsync($"(pid {demo.Pid},", Deadline);
        await Eventually.Until(() => gateway.IsConnected, Deadline, "the agent connected");

        // This test process is a .NET process with a diagnostics socket, but not one the agent's rules select.
        await gateway.SendAsync(new Command { Id = "outside", Action = Command.Types.Action.Start, Kind = "cpu", Pid = Environment.ProcessId, Seconds = 2 });
        await gateway.SendAsync(new Command { Id = "first", Action = Command.Types.Action.Start, Kind = "cpu", Pid = demo.Pid, Seconds = 300 });
        await gateway.SendAsync(new Command { Id = "second", Action = Command.Types.Action.Start, Kind = "alloc", Pid = demo.Pid, Seconds = 2 });
        await gateway.SendAsync(new Command { Id = "every", Action = Command.Types.Action.Start, Kind = "alloc", Pid = 0, Seconds = 2 });
        await Eventually.Until(() => gateway.CommandResults.Count >= 4, Deadline, "four answers");

        var outside = gateway.CommandResults.Single(r => r.Id == "outside");
        Assert.False(outside.Accepted);
        Assert.Contains("outside this agent's Agent:Include/Agent:Exclude rules", outside.Message);
        Assert.True(gateway.CommandResults.Single(r => r.Id == "first").Accepted);
        foreach (var id in new[] { "second", "every" })
        {
            var refused = gateway.CommandResults.Single(r => r.Id == id);
            Assert.False(refused.Accepted, id);
            Assert.Contains("one command-started run per target", refused.Message);
        }

        // Once the first run is stopped, the target takes a new one.
        await gateway.SendAsync(new Command { Id = "stop", Action = Command.Types.Action.Stop, Kind = "cpu" });
        await Eventually.Until(() => gateway.Batches.Any(b => b.Kinds.Contains("cpu")), Deadline, "the stopped cpu window");
        await gateway.SendAsync(new Command { Id = "again", Action = Command.Types.Action.Start, Kind = "alloc", Pid = demo.Pid, Seconds = 1 });
        var again = await Eventually.Until(() => gateway.CommandResults.FirstOrDefault(r => r.Id == "again"), r => r is not null, Deadline, "the answer to 'again'");
        Assert.True(again!.Accepted, again.Message);
    }
}
