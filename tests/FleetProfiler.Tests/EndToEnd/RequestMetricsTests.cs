using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Tests.EndToEnd;

/// <summary>
/// Request metrics through everything real: a small ASP.NET Core service (tests/FleetProfiler.TestService) driven by
/// the test's own requests, the agent's always-on metrics session, the gateway, the host grain, the SQLite store and
/// Query/ListEndpoints. The counts the platform stores equal the requests the test sent, per route, exactly.
/// </summary>
public sealed class RequestMetricsTests : IAsyncLifetime
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
}
