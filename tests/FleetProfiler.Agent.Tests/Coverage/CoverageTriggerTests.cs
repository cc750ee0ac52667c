using FleetProfiler.Agent.Triggers;

namespace FleetProfiler.Agent.Tests.Coverage;

/// <summary>Coverage runs started by the daemon's triggers (gateway command, signal, schedule) reach the gateway as coverage batches.</summary>
[Collection(DeadCodeCollection.Name)]
public sealed class CoverageTriggerTests(DeadCodeFixture targets) : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_coverage_command_sends_one_coverage_batch_through_the_spool_and_refuses_a_stop()
    {
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url, new Dictionary<string, string> { ["Signals"] = "false" });
        await agent.WaitForLineAsync($"(pid {targets.Service.Pid},", Deadline);
        await Eventually.Until(() => gateway.IsConnected, Deadline, "the agent connected");

        await gateway.SendAsync(new Command { Id = "cov1", Action = Command.Types.Action.Start, Kind = "coverage", Pid = targets.Service.Pid });
        var batch = await Eventually.Until(() => gateway.Batches.FirstOrDefault(b => b.Kinds.Contains("coverage")), b => b is not null, Deadline, "the coverage batch");

        var accepted = Assert.Single(gateway.CommandResults, r => r.Id == "cov1" && !r.Finished);
        Assert.True(accepted.Accepted, accepted.Message);
        // The second answer, once the run is over: done, with what it spooled.
        var done = await Eventually.Until(() => gateway.CommandResults.FirstOrDefault(r => r.Id == "cov1" && r.Finished), r => r is not null, Deadline, "the run's end");
        Assert.True(done!.Accepted, done.Message);
        Assert.Equal("coverage: 1 batch spooled", done.Message);
        Assert.Equal(["coverage"], batch!.Kinds);
        Assert.Equal(targets.Service.Pid, batch.Pid);
        Assert.Equal(targets.Service.Service, batch.Service);
        Assert.Equal(AgentDaemon.Host, batch.Host);
        Assert.Empty(batch.Strings);
        Assert.Empty(batch.Samples);
        Assert.True(batch.Sequence > 0);
        Assert.Contains("FleetProfiler.DeadCodeService.Work.NeverCalledLarge", new CoverageRunView(batch.Coverage).Certain);
        // No source-path rule applies to this build's absolute paths (no prefix configured here): the gateway accepts only
        // repository-relative files, so lines are left out, the modules say why and methods keep no file.
        Assert.Empty(batch.Coverage.Files);
        Assert.All(batch.Coverage.Modules.Where(m => m.Loaded), m => Assert.Contains("not repository-relative", m.Skipped));
        Assert.All(batch.Coverage.Modules.SelectMany(m => m.DeadMethods), m => Assert.Equal(("", 0u), (m.File, m.Line)));
        Assert.NotNull(batch.Coverage.ProcessStart);

        await gateway.SendAsync(new Command { Id = "cov2", Action = Command.Types.Action.Stop, Kind = "coverage" });
        await gateway.SendAsync(new Command { Id = "cov3", Action = Command.Types.Action.Start, Kind = "coverage", Pid = 999_999_0 });
        await Eventually.Until(() => gateway.CommandResults.Count(r => r.Id is "cov2" or "cov3") >= 2, Deadline, "the answers");
        Assert.Contains("cannot be stopped", gateway.CommandResults.Single(r => r.Id == "cov2").Message);
        var badPid = Assert.Single(gateway.CommandResults, r => r.Id == "cov3");
        Assert.False(badPid.Accepted);
        Assert.Contains("not found", badPid.Message);
    }

    [Fact]
    public async Task The_coverage_signal_covers_every_target_once()
    {
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url);
        await agent.WaitForLineAsync($"(pid {targets.Worker.Pid},", Deadline);
        await agent.WaitForLineAsync($"(pid {targets.Service.Pid},", Deadline);
        Assert.Contains($"kill -s SIGRTMIN+3 ({RealtimeSignals.Min + 3})", Assert.Single(agent.Lines("Listening for the coverage signal")));

        Signals.Send(agent.Pid, RealtimeSignals.Min + 3);

        await Eventually.Until(() => gateway.Batches.Count(b => b.Kinds.Contains("coverage") && (b.Pid == targets.Service.Pid || b.Pid == targets.Worker.Pid)) >= 2,
            Deadline, "coverage batches of both targets");
        Assert.Single(gateway.Batches, b => b.Kinds.Contains("coverage") && b.Pid == targets.Worker.Pid);
        Assert.Single(gateway.Batches, b => b.Kinds.Contains("coverage") && b.Pid == targets.Service.Pid);
    }

    [Fact]
    public async Task A_coverage_schedule_sends_runs_and_no_profile_windows()
    {
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url, new Dictionary<string, string>
        {
            ["Signals"] = "false",
            ["Schedules:0:Kind"] = "coverage",
            ["Schedules:0:Seconds"] = "1",
            ["Schedules:0:Every"] = "00:00:03",
        });

        await Eventually.Until(() => gateway.Batches.Any(b => b.Pid == targets.Service.Pid), Deadline, "a scheduled coverage run of the service");
        Assert.All(gateway.Batches, b => Assert.Equal(["coverage"], b.Kinds));
        Assert.Single(agent.Lines("schedule coverage: 1 s every 00:00:03"));
    }
}
