using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Tests.EndToEnd;

/// <summary>
/// Request metrics through everything real: a small ASP.NET Core service (tests/FleetProfiler.TestService) driven by
/// the test's own requests, the agent's always-on metrics session, the gateway, the host grain, the SQLite store and
/// Query/ListEndpoints. The counts the platform stores equal the requests the test sent, per route, exactly.
/// </summary>
public sealed class RequestMetricsTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string Service = $"{DemoService.ServicePrefix}-routes";
    private const int RouteCap = 4;
    private readonly PlatformFixture _platform = new();
    private readonly TempDirectory _dir = new();
    private TestServiceProcess? _target;
    private ChildProcess? _agent;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        try
        {
            await _platform.InitializeAsync();
            _target = await TestService.StartAsync("test service", Service);
            _base = _target.BaseUrl;
            _agent = ChildProcess.StartDotnet("agent", Repo.AgentDll,
            [
                "--Agent:AgentId=agent-a", "--Agent:Host=host-a", $"--Agent:Token={PlatformFixture.TokenA}",
                $"--Agent:GatewayUrl={_platform.GrpcUrl}", $"--Agent:SpoolDirectory={Path.Combine(_dir.Path, "spool")}",
                $"--Agent:Pids:0={_target.Process.Pid}", "--Agent:DiscoverySeconds=1",
                "--Agent:RequestMetrics:IntervalSeconds=1", $"--Agent:RequestMetrics:MaxRoutesPerMinute={RouteCap}",
            ]);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null) await _agent.DisposeAsync();
        if (_target is not null) await _target.DisposeAsync();
        await _platform.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Stored_per_route_counts_equal_the_requests_sent_with_templates_only_and_the_overflow_row()
    {
        // Requests count from the moment the runtime reports the instrument to the agent's session.
        await _agent!.WaitForLineAsync($"Request metrics of {Service} (pid {_target!.Process.Pid}): http.server.request.duration", TestTimeouts.ProcessStart);
        // The route cap applies per minute: send everything within one minute, so which routes keep their rows is fixed
        // (not an assertion on time; only where the load falls).
        while (DateTimeOffset.UtcNow.Second >= 45) await Task.Delay(TestTimeouts.PollInterval);
        var from = DateTimeOffset.UtcNow;

        using var http = new HttpClient { BaseAddress = _base };
        var sent = new Dictionary<(string Method, string Route), long>();
        async Task SendAsync(HttpMethod method, string path, string route, int times)
        {
            for (var i = 0; i < times; i++)
            {
                using var response = await http.SendAsync(new HttpRequestMessage(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, i)));
                sent[(method.Method, route)] = sent.GetValueOrDefault((method.Method, route)) + 1;
            }
        }
        await SendAsync(HttpMethod.Get, "/items/{0}", "/items/{id:int}", 40);
        await SendAsync(HttpMethod.Post, "/orders", "/orders", 25);
        await SendAsync(HttpMethod.Get, "/fail", "/fail", 15);
        await SendAsync(HttpMethod.Get, "/nowhere/{0}", "[no route]", 10);
        for (var n = 0; n < 8; n++) await SendAsync(HttpMethod.Get, $"/many{n}", "[other routes]", 2); // 8 routes over the cap of 4
        var total = sent.Values.Sum();

        var query = new FleetProfiler.Protocol.V1.Query.QueryClient(_platform.Channel);
        var request = new ListEndpointsRequest
        {
            Service = Service,
            From = Timestamp.FromDateTimeOffset(from.AddMinutes(-1)),
            To = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(2)),
            PerMinute = true,
        };
        var reply = await Eventually.Until(async () => await query.ListEndpointsAsync(request), r => r.Endpoints.Sum(e => e.Requests) >= total,
            TestTimeouts.Convergence * 2, $"{total} requests stored (a minute is sent once it has ended)");

        var stored = reply.Endpoints.ToDictionary(e => (e.Method == "" ? "GET" : e.Method, e.Route), e => e.Requests);
        Assert.Equal(sent.OrderBy(kv => kv.Key), stored.OrderBy(kv => kv.Key));
        Assert.Equal(1.0, reply.Endpoints.Single(e => e.Route == "/fail").ErrorShare);
        Assert.Equal(0.0, reply.Endpoints.Single(e => e.Route == "/orders").ErrorShare);
        Assert.Equal(1.0, reply.Endpoints.Single(e => e.Route == "[no route]").ClientErrorShare);
        Assert.Equal("", reply.Endpoints.Single(e => e.Route == "[other routes]").Method);
        Assert.All(reply.Endpoints.Where(e => e.Requests > 0), e => Assert.True(e.P50Ms > 0 && e.P50Ms <= e.P99Ms && e.MeanMs > 0, $"{e.Method} {e.Route}"));
        // Templates only: no raw path reaches the store.
        string[] routes = [.. reply.Endpoints.Select(e => e.Route), .. reply.Minutes.Select(m => m.Route)];
        Assert.DoesNotContain(routes, r => r.StartsWith("/items/", StringComparison.Ordinal) && r != "/items/{id:int}");
        Assert.DoesNotContain(routes, r => r.StartsWith("/nowhere", StringComparison.Ordinal) || r.StartsWith("/many", StringComparison.Ordinal));
        Assert.Equal(total, reply.Minutes.Sum(m => m.Requests));
    }

    /// <summary>No request is sent this close to a UTC minute boundary (either side): the quiet gap.</summary>
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How far the minute the agent assigns can be from a request's own time: the runtime records a request when it
    /// ends, in a 1 s collection interval, and the agent puts the interval in the minute of its midpoint (≤ 0.5 s away),
    /// with slack for a late interval.
    /// </summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1.5);

    private static DateTimeOffset MinuteOf(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    /// <summary>
    /// Per-minute exactness under concurrent load. Three clients send requests back to back on three routes across the
    /// next UTC minute boundary B, except within the quiet gap B ± 3 s, and each keeps its own tally per (minute, route)
    /// by the minute the server assigns: a request's minute is certain when its whole span, widened by the agent's
    /// margin, lies in one minute (outside the gap it always does unless a request takes seconds; such requests are
    /// counted as "either minute" and bound the comparison). The closed interval is the whole minute before B: its stored
    /// rows equal the clients' tally per route, while requests after B kept out of it. Only minute B−1 is compared:
    /// minute B is sent once it has ended, a minute later. Runs from now to B + 5 s: 5–65 s of load (mean ~35 s).
    /// </summary>
    [Fact]
    public async Task Per_minute_counts_equal_the_load_generators_own_tally_over_a_whole_minute_bounded_by_quiet_gaps()
    {
        await _agent!.WaitForLineAsync($"Request metrics of {Service} (pid {_target!.Process.Pid}): http.server.request.duration", TestTimeouts.ProcessStart);
        var start = DateTimeOffset.UtcNow;
        // The first boundary with room for some load before its gap.
        var boundary = MinuteOf(start).AddMinutes(1);
        if (boundary - start < Gap + TimeSpan.FromSeconds(2)) boundary = boundary.AddMinutes(1);
        var end = boundary + Gap + TimeSpan.FromSeconds(2);
        (HttpMethod Method, string Path, string Route)[] routes =
            [(HttpMethod.Get, "/items/{0}", "/items/{id:int}"), (HttpMethod.Post, "/orders", "/orders"), (HttpMethod.Get, "/slow", "/slow")];

        using var http = new HttpClient { BaseAddress = _base };
        async Task<List<(DateTimeOffset Sent, DateTimeOffset Answered, string Route)>> ClientAsync(int client)
        {
            var log = new List<(DateTimeOffset, DateTimeOffset, string)>();
            for (var i = client; ; i++)
            {
                var now = DateTimeOffset.UtcNow;
                if (now >= end) return log;
                var nearest = MinuteOf(now + TimeSpan.FromSeconds(30));
                if ((now - nearest).Duration() < Gap)
                {
                    // Load shaping, not synchronisation: no request starts inside the quiet gap.
                    await Task.Delay(nearest + Gap - now);
                    continue;
                }
                var (method, path, route) = routes[i % routes.Length];
                using var response = await http.SendAsync(new HttpRequestMessage(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, i)));
                log.Add((now, DateTimeOffset.UtcNow, route));
                // Pacing, not synchronisation: a few hundred requests a second in all, not a saturated CI machine.
                await Task.Delay(5);
            }
        }
        var requests = (await Task.WhenAll(Enumerable.Range(0, 3).Select(ClientAsync))).SelectMany(l => l).ToList();

        var closed = boundary.AddMinutes(-1);
        var certain = requests.Where(r => MinuteOf(r.Sent - Margin) == MinuteOf(r.Answered + Margin)).ToList();
        var either = requests.Except(certain).ToList();
        var expected = routes.ToDictionary(r => r.Route, r => certain.Count(c => c.Route == r.Route && MinuteOf(c.Sent) == closed));
        var possible = routes.ToDictionary(r => r.Route, r => either.Count(c => c.Route == r.Route && MinuteOf(c.Sent - Margin) <= closed && closed <= MinuteOf(c.Answered + Margin)));
        var after = certain.Count(c => MinuteOf(c.Sent) == boundary);

        var query = new FleetProfiler.Protocol.V1.Query.QueryClient(_platform.Channel);
        var request = new ListEndpointsRequest { Service = Service, From = Timestamp.FromDateTimeOffset(closed), To = Timestamp.FromDateTimeOffset(boundary), PerMinute = true };
        var reply = await Eventually.Until(async () => await query.ListEndpointsAsync(request), r => r.Minutes.Sum(m => m.Requests) >= expected.Values.Sum(),
            TestTimeouts.Convergence, $"minute {closed:HH:mm} stored (a minute is sent once it has ended)");

        var stored = reply.Minutes.Where(m => m.Minute.ToDateTimeOffset() == closed).GroupBy(m => m.Route).ToDictionary(g => g.Key, g => g.Sum(m => m.Requests));
        var figures = string.Join(", ", routes.Select(r => $"{r.Route}: stored {stored.GetValueOrDefault(r.Route)}, tally {expected[r.Route]} (+{possible[r.Route]} either)"));
        output.WriteLine($"minute {closed:HH:mm}: {figures}; {requests.Count} requests in all, {after} after {boundary:HH:mm:ss}, {either.Count} of uncertain minute");
        Assert.True(expected.Values.Sum() > 0 && after > 0, $"load on both sides of {boundary:HH:mm:ss}: {expected.Values.Sum()} before, {after} after");
        Assert.Equal(routes.Select(r => r.Route).Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        Assert.All(routes, r => Assert.True(
            stored[r.Route] >= expected[r.Route] && stored[r.Route] <= expected[r.Route] + possible[r.Route],
            $"minute {closed:HH:mm}: {figures}"));
    }
}
