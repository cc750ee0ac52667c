namespace FleetProfiler.Cli.Tests.EndToEnd;

/// <summary>
/// <c>endpoints</c>, <c>profile --endpoint</c> and the warning about windows attributed by thread correlation, run
/// in-process against the real platform (<see cref="SeededPlatform.EndpointService"/>).
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class EndpointCommandsTests(SeededPlatform platform)
{
    private const string Service = SeededPlatform.EndpointService;
    private const string Warning = "fleetprofiler: warning: 1 of 1 window attributed by thread correlation";

    private Task<CliResult> RunAsync(params string[] args) => Tool.RunAsync([.. args, "--gateway", platform.GatewayUrl]);

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Endpoints_lists_requests_beside_cpu_and_warns_that_the_window_was_attributed_by_thread()
    {
        var r = await RunAsync(["endpoints", "--service", Service, .. platform.Recent]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n');
        // REQUESTS … CPU CPU% … METHOD ROUTE, most requested first, then the samples outside any request.
        var rows = lines.Skip(1).TakeWhile(l => !l.StartsWith("total", StringComparison.Ordinal)).Select(Cells).ToList();
        Assert.Equal([("4", "30", "GET", "/items/{id}"), ("2", "10", "GET", "/cart"), ("0", "5", "-", "[not in a request]")],
            rows.Select(c => (c[0], c[8], c[13], string.Join(' ', c[14..]))));
        Assert.Contains("total 6 requests in 3 endpoints", r.Out);
        Assert.Contains("CPU and ALLOC from 1 profiling window (45 CPU samples)", r.Out);
        Assert.Contains(Warning, r.Error);
        Assert.Contains(SeededPlatform.FallbackNote, r.Error);

        var perMinute = await RunAsync(["endpoints", "--service", Service, "--per-minute", .. platform.Recent]);
        Assert.True(perMinute.ExitCode == 0, perMinute.ToString());
        Assert.Equal([("4", "/items/{id}"), ("2", "/cart")],
            perMinute.Out.Split('\n').Select(Cells).Where(c => c.Length > 4 && c[^1].StartsWith('/')).Select(c => (c[^8], c[^1])).OrderByDescending(c => c.Item1));
    }

    [Fact]
    public async Task Endpoints_of_a_service_attributed_on_the_timeline_or_not_at_all_print_no_warning()
    {
        var r = await RunAsync(["endpoints", "--service", SeededPlatform.Service, .. platform.Recent]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("[not attributed]", r.Out);
        Assert.DoesNotContain("thread correlation", r.Error);
    }

    [Fact]
    public async Task Profile_with_an_endpoint_gives_only_that_endpoints_samples()
    {
        var items = await RunAsync(["profile", "--service", Service, "--endpoint", "GET /items/{id}", .. platform.Recent]);
        Assert.True(items.ExitCode == 0, items.ToString());
        Assert.Equal("app!Program.Main;app!Items.Get;app!Sieve.Run 30\n", items.Out);
        var outside = await RunAsync(["profile", "--service", Service, "--endpoint", "[not in a request]", .. platform.Recent]);
        Assert.True(outside.ExitCode == 0, outside.ToString());
        Assert.Equal("app!Program.Main;app!Cache.Lookup 5\n", outside.Out);
        // The whole service: every endpoint's samples, without the endpoint roots.
        var all = await RunAsync(["profile", "--service", Service, .. platform.Recent]);
        Assert.Contains("app!Program.Main;app!Cart.Post 10", all.Out);
    }

    [Fact]
    public async Task Cost_report_warns_that_the_window_was_attributed_by_thread()
    {
        var r = await RunAsync(["cost", "report", "--service", Service, "--basis", "cpu", .. platform.Recent]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1 window behind the CPU and allocation shares", r.Out);
        Assert.Contains(Warning, r.Error);
        Assert.Contains(SeededPlatform.FallbackNote, r.Error);
    }
}
