using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// Endpoint cost on real processes end to end: the test service (tests/FleetProfiler.TestService) under the test's own
/// load → the agent daemon (a cpu window commanded through the platform, attribution on) → the platform (single-node
/// silo with the co-hosted gateway) → Cost/EndpointCosts by CPU share, checked against the endpoint flamegraphs the same
/// platform answers for the same range, with each route's handler file and owner derived from the real stacks.
/// </summary>
public sealed partial class EndpointCostPlatformTests : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private static readonly string[] WorkRoutes = ["GET /work/alpha/{n:int}", "GET /work/beta", "GET /work/sync"];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The agent daemon as agent A, watching only <paramref name="pid"/> with signals off, connected to the platform.</summary>
    private Task<ChildProcess> StartAgentAsync(PlatformFixture platform, int pid, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string> { ["Signals"] = "false" };
        foreach (var (key, value) in extra) settings[key] = value;
        return PlatformAgent.StartAsync(platform, _dir.Combine("spool"), pid, settings);
    }

    [Fact]
    public async Task A_commanded_cpu_window_of_a_real_service_splits_its_cost_over_the_routes_that_used_the_cpu()
    {
        await using var platform = await PlatformFixture.StartAsync();
        await using var service = await EndpointAttributionTests.StartServiceAsync("cost");
        var name = $"{DemoService.ServicePrefix}-cost";
        var pid = service.Process.Pid;
        var credential = PlatformFixture.AgentA;
        // The test service's PDB names its build paths (no PathMap): the agent strips the repository root (rule 3).
        await using var agent = await StartAgentAsync(platform, pid, ("SourcePathPrefixes:*:0", Repo.Root));
        using var load = new EndpointAttributionTests.Load(service.BaseUrl);
        await Eventually.Until(() => load.Completed >= 20, Deadline, "requests answered under load");

        var query = new Query.QueryClient(platform.Channel);
        var trigger = await query.TriggerAsync(new TriggerRequest { Service = name, Host = credential.Host, Pid = pid, Kind = "cpu", Seconds = 4 });
        await agent.WaitForLineAsync($"Gateway command {trigger.CommandId} Start kind 'cpu'", Deadline);
        var spooled = await agent.WaitForLineAsync(l => l.Contains($"Spooled window of {name}") && l.Contains("cpu"), "the cpu window", Deadline);
        await agent.WaitForLineAsync($"Gateway acked batch {Batch().Match(spooled).Groups[1].Value};", Deadline);
        await load.StopAsync();

        // Whole UTC minutes, so that the cost report (which widens to minutes) and the flamegraphs read the same range.
        var now = DateTime.UtcNow;
        var from = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, DateTimeKind.Utc).AddMinutes(-10);
        var to = from.AddMinutes(12);
        var cost = new Cost.CostClient(platform.Channel);
        foreach (var month in new[] { from, to }.Select(t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture)).Distinct())
        {
            await cost.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = name, Month = month, Usd = 7200, InstanceHours = 720 });
        }
        // RouteWork.cs holds the work routes' CPU-heavy methods, Program.cs their handlers (lambdas). Last match wins.
        await cost.SetCodeOwnersAsync(new SetCodeOwnersRequest
        {
            Service = name,
            Content = "* @org/everyone\n*.cs @org/code\ntests/FleetProfiler.TestService/ @org/test-service\nRouteWork.cs @org/route-work\n",
        });
        var report = await cost.EndpointCostsAsync(new EndpointCostsRequest
        {
            Service = name,
            From = Timestamp.FromDateTime(from),
            To = Timestamp.FromDateTime(to),
            Basis = "cpu",
        });

        Assert.True(report.Windows >= 1, $"windows {report.Windows}");
        Assert.Equal((report.Windows, 0), (report.WindowAttributions.Timeline, report.WindowAttributions.Threads));
        Assert.True(report.TotalCents > 0, $"total {report.TotalCents}");
        var rows = report.Endpoints.ToDictionary(e => e.Endpoint);
        // The endpoint rows and the bracketed rows ([not in a request], [not attributed], [no data]) share the cost.
        EndpointCost[] all = [.. report.Endpoints, report.NotInRequest, report.NotAttributed, report.NoData];
        var samples = all.Sum(e => e.CpuSamples);
        // Every route that does CPU work carries some of it; the shares are the sample counts' shares and the cents add up.
        Assert.All(WorkRoutes, route => Assert.True(rows.TryGetValue(route, out var row) && row.CpuSamples > 0, $"{route}: {string.Join("\n", all)}"));
        Assert.All(all, e => Assert.Equal(samples == 0 ? 0 : (double)e.CpuSamples / samples, e.CpuShare, 9));
        Assert.Equal(report.TotalCents, all.Sum(e => e.CentsByCpu));
        // The agent attributed the window: nothing lands in [not attributed].
        Assert.Equal(0, report.NotAttributed.CpuSamples);
        // The handler file of each work route, found in the real stacks (the own file on most of the route's samples):
        // one of the test service's files, repository-relative (the agent mapped the PDB's build path), owned by the last
        // CODEOWNERS line that matches it: RouteWork.cs by its own line, Program.cs by the directory's.
        Assert.All(WorkRoutes, route =>
        {
            var row = rows[route];
            Assert.True(row.HandlerFile is "tests/FleetProfiler.TestService/Program.cs" or "tests/FleetProfiler.TestService/RouteWork.cs", $"{route}: {row}");
            var expected = row.HandlerFile.EndsWith("/RouteWork.cs", StringComparison.Ordinal)
                ? ("@org/route-work", "CODEOWNERS line 4 (RouteWork.cs)")
                : ("@org/test-service", "CODEOWNERS line 3 (tests/FleetProfiler.TestService/)");
            Assert.Equal(("codeowners", expected.Item1, expected.Item2), (row.OwnerSource, row.Team, row.OwnerReason));
        });

        // Each work route's CPU samples are exactly the weight of its own flamegraph, whose work is its own route's.
        foreach (var (route, work) in WorkRoutes.Zip(new[] { "RouteWork.Alpha", "RouteWork.Beta", "RouteWork.Sync" }))
        {
            var profile = await query.GetProfileAsync(new GetProfileRequest
            {
                Selector = new Selector { Service = name, Endpoint = route },
                From = Timestamp.FromDateTime(from),
                To = Timestamp.FromDateTime(to),
                Kind = "cpu",
                Format = "folded",
            });
            var stacks = profile.Data.ToStringUtf8().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => (Stack: l[..l.LastIndexOf(' ')], Count: long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)))
                .ToList();
            Assert.Equal(rows[route].CpuSamples, stacks.Sum(s => s.Count));
            var inWork = stacks.Where(s => s.Stack.Contains("RouteWork.", StringComparison.Ordinal)).ToList();
            var own = inWork.Where(s => s.Stack.Contains(work, StringComparison.Ordinal)).Sum(s => s.Count);
            Assert.True(own >= 0.95 * inWork.Sum(s => s.Count), $"{route}: {own} of {inWork.Sum(s => s.Count)} work samples are its own");
        }
        Assert.Empty(agent.Lines("rejected"));
    }

    /// <summary>
    /// The fallback on a real process: with <c>Agent:Attribution:ActivityTimeline=false</c> the attribution session does
    /// not ask for the TPL <c>SetActivityId</c> events, as on a runtime that does not write them. The window is attributed by
    /// thread correlation, and the platform keeps the method and the agent's note with it and says so in its replies.
    /// </summary>
    [Fact]
    public async Task Without_the_activity_timeline_a_real_window_is_attributed_by_thread_and_the_platform_says_so()
    {
        await using var platform = await PlatformFixture.StartAsync();
        await using var service = await EndpointAttributionTests.StartServiceAsync("threads");
        var name = $"{DemoService.ServicePrefix}-threads";
        var pid = service.Process.Pid;
        var credential = PlatformFixture.AgentA;
        await using var agent = await StartAgentAsync(platform, pid, ("Attribution:ActivityTimeline", "false"));
        using var load = new EndpointAttributionTests.Load(service.BaseUrl);
        await Eventually.Until(() => load.Completed >= 20, Deadline, "requests answered under load");

        var query = new Query.QueryClient(platform.Channel);
        var trigger = await query.TriggerAsync(new TriggerRequest { Service = name, Host = credential.Host, Pid = pid, Kind = "cpu", Seconds = 3 });
        await agent.WaitForLineAsync($"Gateway command {trigger.CommandId} Start kind 'cpu'", Deadline);
        var attribution = await agent.WaitForLineAsync($"Attribution of pid {pid}:", Deadline);
        var spooled = await agent.WaitForLineAsync(l => l.Contains($"Spooled window of {name}") && l.Contains("cpu"), "the cpu window", Deadline);
        await agent.WaitForLineAsync($"Gateway acked batch {Batch().Match(spooled).Groups[1].Value};", Deadline);
        await load.StopAsync();

        const string note = "the activity timeline is off (Agent:Attribution:ActivityTimeline=false): attributed by thread, wrong after await";
        Assert.Contains("method threads", attribution);
        Assert.Contains(note, attribution);
        var now = DateTime.UtcNow;
        var from = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, DateTimeKind.Utc).AddMinutes(-10);
        var endpoints = await query.ListEndpointsAsync(new ListEndpointsRequest { Service = name, From = Timestamp.FromDateTime(from), To = Timestamp.FromDateTime(from.AddMinutes(12)) });
        var a = endpoints.WindowAttributions;
        Assert.Equal((1, 1, 0, 0, 0, 0), (endpoints.Windows, a.Threads, a.Timeline, a.None, a.Off, a.Unknown));
        Assert.Equal([note], a.ThreadsNotes);
        // The samples still went to routes (by thread): the sync route's work is on its own endpoint.
        Assert.Contains(endpoints.Endpoints, e => e.Route == "/work/sync" && e.CpuSamples > 0);
        Assert.Empty(agent.Lines("rejected"));
    }

    [GeneratedRegex(@"as batch (\d+)")]
    private static partial Regex Batch();
}
