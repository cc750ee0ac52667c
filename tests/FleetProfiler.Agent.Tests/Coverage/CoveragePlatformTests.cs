using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using ScheduleClient = FleetProfiler.Protocol.V1.Schedule.ScheduleClient;

namespace FleetProfiler.Agent.Tests.Coverage;

/// <summary>
/// Coverage end to end on the real processes: a server-side schedule (an Orleans reminder in the silo) sends coverage
/// commands to two real agents, one on the web service and one on the worker (two hosts, two services); their runs go
/// through the real gateway into the file-days, and the day's dead code is the known dead code — for the shared file,
/// the intersection over both services.
/// </summary>
[Collection(DeadCodeCollection.Name)]
public sealed class CoveragePlatformTests(DeadCodeFixture targets) : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private static readonly string WorkFile = DeadCodeTargets.RepoPath("FleetProfiler.DeadCodeService", "Work.cs");
    private static readonly string SharedFile = DeadCodeTargets.RepoPath("FleetProfiler.DeadCodeShared", "SharedCode.cs");

    /// <summary>Short periods for tests: the silo allows 2 s schedules (the production minimum is 5 min, docs/schedules.md).</summary>
    private static readonly Dictionary<string, string> FastSchedules = new()
    {
        ["Reminders:MinimumReminderPeriod"] = "00:00:01",
        ["Scheduling:MinimumPeriod"] = "00:00:02",
        ["Scheduling:Seed"] = "7",
    };

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_server_side_coverage_schedule_reaches_real_agents_and_the_days_dead_code_is_the_known_one_across_both_services()
    {
        await using var platform = await PlatformFixture.StartAsync(FastSchedules);
        await using var serviceAgent = await StartAgentAsync(platform, PlatformFixture.AgentA, targets.Service, "service");
        await using var workerAgent = await StartAgentAsync(platform, PlatformFixture.AgentB, targets.Worker, "worker");
        var schedules = new ScheduleClient(platform.Channel);

        // The schedule lives in the silo; nothing is configured on the agents. 2 s: the shortest these settings allow.
        foreach (var target in new[] { targets.Service, targets.Worker })
        {
            await schedules.SetAsync(new SetScheduleRequest
            {
                Service = target.Service,
                Kind = "coverage",
                Period = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
                Hosts = 1,
                WindowSeconds = 1,
            });
        }
        await WaitForScheduledRunAckedAsync(serviceAgent, targets.Service);
        await WaitForScheduledRunAckedAsync(workerAgent, targets.Worker);
        foreach (var (target, host) in new[] { (targets.Service, PlatformFixture.AgentA.Host), (targets.Worker, PlatformFixture.AgentB.Host) })
        {
            var accepted = await Eventually.Until(
                async () => (await schedules.HistoryAsync(new ScheduleHistoryRequest { Service = target.Service, Kind = "coverage", Limit = 50 })).Runs
                    .SelectMany(r => r.Hosts).FirstOrDefault(h => h.Outcome == HostOutcome.Types.Outcome.Accepted),
                h => h is not null, Deadline, $"an accepted run in the history of {target.Service}");
            Assert.Equal(host, accepted!.Host);
            Assert.Contains("coverage run of every target (1)", accepted.Message);
        }
        Assert.Empty(serviceAgent.Lines("rejected"));
        Assert.Empty(workerAgent.Lines("rejected"));

        // Days: the runs count for the UTC day of their window; a range around today holds them whatever the clock says.
        var today = DateTime.UtcNow.Date;
        string Day(DateTime d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var (from, to) = (Day(today.AddDays(-1)), Day(today.AddDays(1)));
        var deadCode = new DeadCode.DeadCodeClient(platform.Channel);

        // The web service's own file: its certain dead code is exactly the large never-called method and the never-requested endpoint.
        var serviceFiles = await Eventually.Until(
            async () => await deadCode.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = from, ToDay = to, Service = targets.Service.Service, IncludeLive = true }),
            reply => reply.Files.Any(f => f.Path == WorkFile), Deadline, "Work.cs in the day's dead code");
        var work = serviceFiles.Files.Single(f => f.Path == WorkFile);
        Assert.Equal(DeadCodeTargets.BodyLines(WorkFile, "long NeverCalledLarge(").Count + DeadCodeTargets.BodyLines(WorkFile, "string Handle()").Count, work.DeadCertainLines);
        Assert.True(work.DeadProbableLines >= DeadCodeTargets.BodyLines(WorkFile, "long NeverCalledSmall(").Count, $"{work.DeadProbableLines} probable lines");
        Assert.Equal(0, work.CanaryRuns);
        Assert.Equal([targets.Service.Service], work.Services);
        var neverLoaded = serviceFiles.Files.Single(f => f.Path == DeadCodeTargets.RepoPath("FleetProfiler.DeadCodeNeverLoaded", "NeverLoadedFeature.cs"));
        Assert.Equal(neverLoaded.ExecutableLines, neverLoaded.DeadCertainLines);

        // The shared file, fleet-wide: each service runs a different half, so only what neither runs is dead — certain in both.
        var shared = await Eventually.Until(
            async () => await deadCode.AnnotateFileAsync(new AnnotateFileRequest { Path = SharedFile, FromDay = from, ToDay = to }),
            a => a.Services.Count == 2, Deadline, "SharedCode.cs covered by both services");
        var neither = DeadCodeTargets.BodyLines(SharedFile, "long LargeNever(").Concat(DeadCodeTargets.BodyLines(SharedFile, "long NoInlineNever(")).Order().ToList();
        Assert.Equal([targets.Service.Service, targets.Worker.Service], shared.Services.Order(StringComparer.Ordinal));
        Assert.Equal(neither, shared.Lines.Where(l => l.Status == LineStatus.DeadCertain).Select(l => l.Number));
        Assert.Empty(shared.Lines.Where(l => l.Status == LineStatus.DeadProbable).Select(l => l.Number));
        Assert.Equal((neither.Count, 0), (shared.DeadCertainLines, shared.DeadProbableLines));
        Assert.Superset(new SortedSet<int>(DeadCodeTargets.BodyLines(SharedFile, "long LargeA(").Concat(DeadCodeTargets.BodyLines(SharedFile, "long LargeB("))),
            new SortedSet<int>(shared.Lines.Where(l => l.Status == LineStatus.Live).Select(l => l.Number)));
        var listing = await deadCode.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = from, ToDay = to, PathPrefix = SharedFile, IncludeLive = true });
        var sharedRow = Assert.Single(listing.Files);
        Assert.Equal((neither.Count, 0, 2), (sharedRow.DeadCertainLines, sharedRow.DeadProbableLines, sharedRow.Hosts));

        // Soundness on the stored data: no call site that ran in either service is on a dead-certain line.
        var executed = (await DeadCodeTargets.ExecutedAsync(targets.Service)).Concat(await DeadCodeTargets.ExecutedAsync(targets.Worker)).ToList();
        Assert.Contains(executed, s => s.File == SharedFile);
        foreach (var file in executed.GroupBy(s => s.File))
        {
            var annotated = await deadCode.AnnotateFileAsync(new AnnotateFileRequest { Path = file.Key, FromDay = from, ToDay = to });
            var certain = annotated.Lines.Where(l => l.Status == LineStatus.DeadCertain).Select(l => l.Number).ToHashSet();
            Assert.Empty(file.Where(s => certain.Contains(s.Line)).Select(s => $"{s.File}:{s.Line} ({s.Member})"));
            // … and each of them is a line the runs knew (the check looked at it), live or at most probably dead.
            Assert.All(file, s => Assert.Contains(annotated.Lines, l => l.Number == s.Line && l.Status is LineStatus.Live or LineStatus.DeadProbable));
        }

        foreach (var target in new[] { targets.Service, targets.Worker })
        {
            await schedules.RemoveAsync(new RemoveScheduleRequest { Service = target.Service, Kind = "coverage" });
        }
    }

    /// <summary>A daemon on one target only (its pid), with the repository root as source prefix, connected with the target's service.</summary>
    private async Task<ChildProcess> StartAgentAsync(PlatformFixture platform, AgentCredential credential, DeadCodeProcess target, string name)
    {
        var agent = await AgentDaemon.StartAsync(_dir.Combine($"spool-{name}"), platform.GrpcUrl, new Dictionary<string, string>
        {
            ["AgentId"] = credential.AgentId,
            ["Host"] = credential.Host,
            ["Token"] = credential.Token,
            ["Pids:0"] = target.Pid.ToString(CultureInfo.InvariantCulture),
            ["Signals"] = "false",
            ["SourcePathPrefixes:*:0"] = Repo.Root,
        });
        try
        {
            // The hello names the service: from then on the silo knows it (a schedule needs that) and the host's stream.
            await agent.WaitForLineAsync("with 1 service(s)", Deadline);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until a run of the service's schedule (command id <c>schedule/SERVICE/coverage-N</c>) is spooled and acked.</summary>
    private static async Task WaitForScheduledRunAckedAsync(ChildProcess agent, DeadCodeProcess target)
    {
        var spooled = await agent.WaitForLineAsync(
            l => l.Contains($"schedule/{target.Service}/coverage-", StringComparison.Ordinal) && l.Contains($"spooled the coverage of {target.Service}", StringComparison.Ordinal),
            $"a scheduled coverage run of {target.Service} spooled", Deadline);
        var sequence = Regex.Match(spooled, @"as batch (\d+)").Groups[1].Value;
        await agent.WaitForLineAsync($"Gateway acked batch {sequence};", Deadline);
    }
}
