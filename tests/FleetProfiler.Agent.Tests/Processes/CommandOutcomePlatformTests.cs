namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// What the real agent answers a remote trigger reaches the person who typed it: the <c>fleetprofiler</c> CLI (a real
/// process) → the real gateway and silo → the agent daemon and back, refusals with the agent's reason and exit 6.
/// </summary>
public sealed class CommandOutcomePlatformTests : IDisposable
{
    /// <summary>Above Linux's largest pid (2^22): no process has it.</summary>
    private const int MissingPid = 99_999_999;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_refused_trigger_reaches_the_cli_with_the_agents_reason_and_an_accepted_one_as_accepted()
    {
        await using var platform = await PlatformFixture.StartAsync();
        await using var target = await MemoryTarget.StartAsync(new MemoryTargetOptions { Mode = "graph", ChurnMBPerSecond = 0, RetainCapMB = 8 });
        await using var agent = await PlatformAgent.StartAsync(platform, _dir.Combine("spool"), target);
        await PlatformAgent.SnapshotBySignalAsync(agent, target);
        var host = PlatformAgent.Credential.Host;

        await using var refused = await CliAsync(platform, "trigger", "--service", target.Service, "--host", host, "--kind", "cpu", "--pid", $"{MissingPid}");
        await using var accepted = await CliAsync(platform, "heap", "take", "--service", target.Service, "--host", host, "--pid", $"{target.Pid}");
        await PlatformAgent.WaitAckedAsync(agent, PlatformAgent.HeapSpooled(target), 2);
        await using var listed = await CliAsync(platform, "commands", "--service", target.Service, "--host", host);

        Assert.True(refused.ExitCode == ExitCodes.Refused, refused.Output);
        var refusedId = Assert.Single(refused.StdoutLines);
        Assert.Contains($"fleetprofiler: refused by the agent of {host}: process {MissingPid} not found", refused.Output);
        Assert.Contains($"kind 'cpu' pid {MissingPid}", await agent.WaitForLineAsync($"Gateway command {refusedId} ", PlatformAgent.Deadline));

        Assert.True(accepted.ExitCode == 0, accepted.Output);
        var acceptedId = Assert.Single(accepted.StdoutLines);
        Assert.Contains($"accepted by the agent of {host}: heap snapshot of pid {target.Pid}", accepted.Output);

        Assert.True(listed.ExitCode == 0, listed.Output);
        Assert.StartsWith(acceptedId + " ", listed.StdoutLines[1]);
        Assert.Contains(" accepted ", listed.StdoutLines[1]);
        Assert.StartsWith(refusedId + " ", listed.StdoutLines[2]);
        Assert.Contains(" refused ", listed.StdoutLines[2]);
        Assert.EndsWith($"process {MissingPid} not found", listed.StdoutLines[2]);
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
