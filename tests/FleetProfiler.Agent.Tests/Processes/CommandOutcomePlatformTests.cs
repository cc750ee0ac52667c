namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// What the real agent answers a remote trigger reaches the person who typed it: the <c>fleetprofiler</c> CLI (a real
/// process) → the real gateway and silo → the agent daemon and back. A refusal (a pid the agent does not know) and a
/// heap snapshot that fails on the agent's heap ceiling exit 6 with the agent's reason; a snapshot taken is done.
/// </summary>
public sealed class CommandOutcomePlatformTests : IDisposable
{
    /// <summary>Above Linux's largest pid (2^22): no process has it.</summary>
    private const int MissingPid = 99_999_999;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Refused_failed_and_done_commands_reach_the_cli_with_the_agents_words_and_are_listed()
    {
        await using var platform = await PlatformFixture.StartAsync();
        // Two processes of one service (one host grain): a small heap, and one over the agent's 16 MB ceiling.
        await using var small = await MemoryTarget.StartAsync(new MemoryTargetOptions { Mode = "graph", ChurnMBPerSecond = 0, RetainCapMB = 1 });
        await using var large = await MemoryTarget.StartAsync(new MemoryTargetOptions { Mode = "graph", ChurnMBPerSecond = 0, RetainCapMB = 40, Service = small.Service });
        await using var agent = await PlatformAgent.StartAsync(platform, _dir.Combine("spool"), small,
            new Dictionary<string, string> { ["Pids:1"] = $"{large.Pid}", ["HeapSnapshot:MaxHeapMB"] = "16" });
        // The signal's snapshot of the small one attaches the agent to the service's host grain.
        await PlatformAgent.SnapshotBySignalAsync(agent, small);
        // The signal's run goes on to the large one (refused at the ceiling); until it has ended, a command for that
        // pid would be refused as "already under way".
        await agent.WaitForLineAsync(": finished: 1 spooled, 1 problem(s)", PlatformAgent.Deadline);
        var host = PlatformAgent.Credential.Host;

        await using var refused = await CliAsync(platform, "trigger", "--service", small.Service, "--host", host, "--kind", "cpu", "--pid", $"{MissingPid}");
        await using var failed = await CliAsync(platform, "heap", "take", "--service", small.Service, "--host", host, "--pid", $"{large.Pid}");
        await using var done = await CliAsync(platform, "heap", "take", "--service", small.Service, "--host", host, "--pid", $"{small.Pid}");
        await PlatformAgent.WaitAckedAsync(agent, PlatformAgent.HeapSpooled(small), 2);
        await using var listed = await CliAsync(platform, "commands", "--service", small.Service, "--host", host);

        Assert.True(refused.ExitCode == ExitCodes.Refused, refused.Output);
        var refusedId = Assert.Single(refused.StdoutLines);
        Assert.Contains($"fleetprofiler: refused by the agent of {host}: process {MissingPid} not found", refused.Output);
        Assert.Contains($"kind 'cpu' pid {MissingPid}", await agent.WaitForLineAsync($"Gateway command {refusedId} ", PlatformAgent.Deadline));

        Assert.True(failed.ExitCode == ExitCodes.Refused, failed.Output);
        var failedId = Assert.Single(failed.StdoutLines);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(failed.Output, $@"fleetprofiler: failed on the agent of {host}: heap snapshot of pid {large.Pid} refused: its GC heap is \d+ MB, over the ceiling of 16 MB \(Agent:HeapSnapshot:MaxHeapMB\)"), failed.Output);

        Assert.True(done.ExitCode == 0, done.Output);
        var doneId = Assert.Single(done.StdoutLines);
        Assert.Contains($"done on the agent of {host}: heap snapshot: 1 batch spooled", done.Output);

        Assert.True(listed.ExitCode == 0, listed.Output);
        Assert.Equal([(doneId, "done"), (failedId, "failed"), (refusedId, "refused")],
            listed.StdoutLines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(c => (c[0], c.First(w => w is "done" or "failed" or "refused"))));
        Assert.EndsWith($"process {MissingPid} not found", listed.StdoutLines[3]);

        // The same as JSON for pages and scripts (a reader's call, like every /api route).
        using var http = platform.Http();
        using var json = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"/api/commands?service={small.Service}&host={host}&id={failedId}"));
        Assert.Equal(("FAILED", "heap", large.Pid, "test-operator"), (json.RootElement.GetProperty("state").GetString(), json.RootElement.GetProperty("kind").GetString(),
            json.RootElement.GetProperty("pid").GetInt32(), json.RootElement.GetProperty("requestedBy").GetString()));
        using var unknown = await http.GetAsync($"/api/commands?service={small.Service}&host={host}&id=nosuch");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task<ChildProcess> CliAsync(PlatformFixture platform, params string[] args)
    {
        // A wait long enough for a slow machine: the CLI returns as soon as the agent's answer is in.
        string[] wait = args[0] == "commands" ? [] : ["--wait", $"{(int)TestTimeouts.Convergence.TotalSeconds}"];
        var cli = ChildProcess.Start("fleetprofiler " + args[0], Repo.DotnetHost,
            [Repo.RequireBuilt(Repo.Output("gateway", "FleetProfiler.Cli")), .. args, .. wait, "--gateway", platform.GrpcUrl],
            new Dictionary<string, string> { ["FLEETPROFILER_KEY"] = TestKeys.Operator });
        await cli.WaitForExitAsync(TestTimeouts.Convergence + TestTimeouts.ProcessExit);
        return cli;
    }
}
