namespace FleetProfiler.Agent.Tests.Coverage;

/// <summary>The agent's coverage runs through the real gateway and silo: accepted as sent, and the day's dead lines are the known ones.</summary>
public sealed class CoveragePlatformTests : IDisposable
{
    private static readonly AgentCredential Agent = PlatformFixture.AgentA;
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private static readonly string WorkFile = DeadCodeTargets.RepoPath("FleetProfiler.DeadCodeService", "Work.cs");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_scheduled_coverage_run_is_accepted_by_the_gateway_and_the_days_dead_lines_are_the_known_ones()
    {
        await using var platform = await PlatformFixture.StartAsync();
        await using var service = await DeadCodeTargets.StartServiceAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), platform.GrpcUrl, new Dictionary<string, string>
        {
            ["AgentId"] = Agent.AgentId,
            ["Host"] = Agent.Host,
            ["Token"] = Agent.Token,
            ["Pids:0"] = service.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Signals"] = "false",
            ["Schedules:0:Kind"] = "coverage",
            ["Schedules:0:Every"] = "00:00:05",
            ["Schedules:0:Seconds"] = "1",
            ["SourcePathPrefixes:*:0"] = Repo.Root,
        });

        var spooled = await agent.WaitForLineAsync(l => l.Contains($"spooled the coverage of {service.Service}"), "a spooled coverage run", Deadline);
        var sequence = System.Text.RegularExpressions.Regex.Match(spooled, @"as batch (\d+)").Groups[1].Value;
        await agent.WaitForLineAsync($"Gateway acked batch {sequence};", Deadline);
        Assert.Empty(agent.Lines("rejected"));

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var deadCode = new DeadCode.DeadCodeClient(platform.Channel);
        var files = await Eventually.Until(
            async () => await deadCode.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = today, ToDay = today, Service = service.Service, IncludeLive = true }),
            reply => reply.Files.Any(f => f.Path == WorkFile), Deadline, "Work.cs in the day's dead code");
        var work = files.Files.Single(f => f.Path == WorkFile);
        var certain = DeadCodeTargets.BodyLines(WorkFile, "long NeverCalledLarge(").Count + DeadCodeTargets.BodyLines(WorkFile, "string Handle()").Count;
        Assert.Equal(certain, work.DeadCertainLines);
        Assert.True(work.DeadProbableLines >= DeadCodeTargets.BodyLines(WorkFile, "long NeverCalledSmall(").Count, $"{work.DeadProbableLines} probable lines");
        Assert.True(work.Runs >= 1);
        Assert.Equal(0, work.CanaryRuns);
        Assert.Contains(service.Service, work.Services);
        // The never-loaded assembly's file: every executable line dead-certain.
        var neverLoaded = files.Files.Single(f => f.Path == DeadCodeTargets.RepoPath("FleetProfiler.DeadCodeNeverLoaded", "NeverLoadedFeature.cs"));
        Assert.Equal(neverLoaded.ExecutableLines, neverLoaded.DeadCertainLines);
    }
}
