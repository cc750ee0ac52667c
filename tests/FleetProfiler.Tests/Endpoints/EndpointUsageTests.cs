using System.Globalization;
using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Protocol.V1;
using FleetProfiler.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Tests.Endpoints;

/// <summary>
/// Windows whose samples carry the "endpoint" label, sent through the real gateway into a real silo process: the
/// service's profiles stay as they were (endpoint roots folded away), an endpoint selector gives that endpoint's own
/// flamegraph, and the endpoint grains and ListEndpoints give requests beside CPU, wall and allocations per endpoint.
/// All windows sample every 10 ms, so CPU-seconds are exact whether a minute is read from its bucket or its windows.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class EndpointUsageTests(PlatformFixture platform)
{
    private const string Items = "GET /items/{id}";
    private const string Orders = "POST /orders";

    private FleetProfiler.Protocol.V1.Query.QueryClient Client => new(platform.Channel);

    /// <summary>
    /// Minute m: one attributed cpu window (Items 40, Orders 20, not in a request 5) and requests (Items 100, Orders 20);
    /// minute m+1: an unattributed cpu window (7), an attributed alloc window (Items 4096 bytes) and 50 Items requests.
    /// </summary>
    private async Task<(string Service, DateTimeOffset Minute)> SeedAsync()
    {
        var id = Guid.NewGuid();
        var service = "ep-" + id.ToString("N")[..8];
        var sequence = (BitConverter.ToUInt64(id.ToByteArray()) >> 2) + 1;
        var now = DateTimeOffset.UtcNow;
        var m = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-10);
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using var _ = agent;

        var attributed = TestBatches.Cpu(sequence, service, "host-b", m.AddSeconds(5),
            ("app!Program.Main;app!Items.Get;app!Json.Write", 30),
            ("app!Program.Main;app!Items.Get", 10),
            ("app!Program.Main;app!Orders.Post", 20),
            ("app!Program.Main;app!Timer.Tick", 5)).WithEndpoints(Items, Items, Orders, EndpointNames.NotInRequest);
        var unattributed = TestBatches.Cpu(sequence + 1, service, "host-b", m.AddMinutes(1).AddSeconds(5), ("app!Program.Main;app!Items.Get", 7));
        var alloc = TestBatches.Alloc(sequence + 2, service, "host-b", m.AddMinutes(1).AddSeconds(20),
            ("app!Program.Main;app!Items.Get", "System.Byte[]", 4096, 4)).WithEndpoints(Items);
        var requests = Requests(sequence + 3, service, m,
            (m, "GET", "/items/{id}", "2xx", 100, 500, 4, 9, 12),
            (m, "POST", "/orders", "2xx", 20, 400, 15, 30, 40),
            (m.AddMinutes(1), "GET", "/items/{id}", "5xx", 50, 1000, 10, 20, 30));
        foreach (var b in new[] { attributed, unattributed, alloc })
        {
            b.SamplingIntervalMs = 10;
            await agent.SendAckedAsync(b);
        }
        await agent.SendAckedAsync(requests);
        return (service, m);
    }

    private static Batch Requests(ulong sequence, string service, DateTimeOffset from,
        params (DateTimeOffset Minute, string Method, string Route, string Status, long Requests, double SumMs, double P50, double P95, double P99)[] rows)
    {
        var b = new Batch
        {
            Sequence = sequence,
            Service = service,
            Host = "host-b",
            WindowStart = Timestamp.FromDateTimeOffset(from),
            WindowEnd = Timestamp.FromDateTimeOffset(from.AddMinutes(2)),
        };
        foreach (var r in rows)
        {
            b.RouteMinutes.Add(new Protocol.V1.RouteMinute
            {
                Minute = Timestamp.FromDateTimeOffset(r.Minute),
                Method = r.Method,
                Route = r.Route,
                StatusClass = r.Status,
                Requests = r.Requests,
                DurationSumMs = r.SumMs,
                P50Ms = r.P50,
                P95Ms = r.P95,
                P99Ms = r.P99,
            });
        }
        return b;
    }

    private async Task<Dictionary<string, long>> FoldedAsync(string service, DateTimeOffset m, string endpoint = "", string kind = "cpu")
    {
        var reply = await Client.GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = service, Endpoint = endpoint },
            From = Timestamp.FromDateTimeOffset(m),
            To = Timestamp.FromDateTimeOffset(m.AddMinutes(2)),
            Kind = kind,
            Format = "folded",
        });
        // Folded frames carry "(file:line)"; compare function names.
        return reply.Data.ToStringUtf8().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (Stack: l[..l.LastIndexOf(' ')], Value: long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)))
            .ToDictionary(x => string.Join(';', x.Stack.Split(';').Select(f => f.Contains(" (") ? f[..f.IndexOf(" (", StringComparison.Ordinal)] : f)), x => x.Value);
    }

    /// <summary>Equal figures, the fractional ones (CPU-seconds, percentiles) to nine decimals: they are sums of products.</summary>
    private static void AssertFigures(EndpointFigures expected, EndpointFigures actual)
    {
        static EndpointFigures Rounded(EndpointFigures f) => f with
        {
            CpuSeconds = Math.Round(f.CpuSeconds, 9),
            P50Ms = Math.Round(f.P50Ms, 9),
            P95Ms = Math.Round(f.P95Ms, 9),
            P99Ms = Math.Round(f.P99Ms, 9),
            DurationSumMs = Math.Round(f.DurationSumMs, 9),
        };
        Assert.Equal(Rounded(expected), Rounded(actual));
    }

    [Fact]
    public async Task The_service_profile_folds_the_endpoint_roots_away()
    {
        var (service, m) = await SeedAsync();

        Assert.Equal(new Dictionary<string, long>
        {
            ["app!Program.Main;app!Items.Get;app!Json.Write"] = 30,
            ["app!Program.Main;app!Items.Get"] = 17,
            ["app!Program.Main;app!Orders.Post"] = 20,
            ["app!Program.Main;app!Timer.Tick"] = 5,
        }, await FoldedAsync(service, m));
    }

    [Fact]
    public async Task An_endpoint_selector_gives_the_endpoints_own_flamegraph_and_top_functions()
    {
        var (service, m) = await SeedAsync();

        Assert.Equal(new Dictionary<string, long>
        {
            ["app!Program.Main;app!Items.Get;app!Json.Write"] = 30,
            ["app!Program.Main;app!Items.Get"] = 10,
        }, await FoldedAsync(service, m, Items));
        Assert.Equal(new Dictionary<string, long> { ["app!Program.Main;app!Items.Get"] = 4096 }, await FoldedAsync(service, m, Items, "alloc"));
        Assert.Equal(new Dictionary<string, long> { ["app!Program.Main;app!Timer.Tick"] = 5 }, await FoldedAsync(service, m, EndpointNames.NotInRequest));

        var top = await Client.TopFunctionsAsync(new TopRequest
        {
            Selector = new Selector { Service = service, Endpoint = Orders },
            From = Timestamp.FromDateTimeOffset(m),
            To = Timestamp.FromDateTimeOffset(m.AddMinutes(2)),
            Kind = "cpu",
        });
        Assert.Equal([("app!Orders.Post", 20L, 20L), ("app!Program.Main", 0L, 20L)], top.Entries.Select(e => (e.Name, e.Self, e.Total)));
        Assert.Equal(20, top.Total);
    }

    [Fact]
    public async Task An_endpoint_without_samples_or_a_malformed_one_is_refused_naming_the_field()
    {
        var (service, m) = await SeedAsync();

        var missing = await Assert.ThrowsAsync<RpcException>(() => FoldedAsync(service, m, "DELETE /items/{id}"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.StartsWith("selector.endpoint: no samples of endpoint 'DELETE /items/{id}'", missing.Status.Detail);
        var malformed = await Assert.ThrowsAsync<RpcException>(() => FoldedAsync(service, m, "GET /a\n"));
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.StartsWith("selector.endpoint: has leading or trailing white space", malformed.Status.Detail);
    }

    [Fact]
    public async Task The_endpoint_grain_gives_requests_and_samples_per_minute_beside_the_services()
    {
        var (service, m) = await SeedAsync();
        await using var client = await OrleansClient.LocalhostAsync(platform.Silo.GatewayPort, "platform", "platform");

        var usage = await client.Client.GetGrain<IEndpointGrain>(EndpointKey.Of(service, Items)).GetUsageAsync(new TimeRange(m, m.AddMinutes(2)));

        Assert.Equal(new TimeRange(m, m.AddMinutes(2)), usage.Covered);
        Assert.False(usage.Truncated);
        Assert.Equal([(m, TimeSpan.FromMinutes(1)), (m.AddMinutes(1), TimeSpan.FromMinutes(1))], usage.Periods.Select(p => (p.Start, p.Length)));
        AssertFigures(new EndpointFigures(100, 500, 4, 9, 12, 40, 0.4, 40, 0, 0, 1), usage.Periods[0].Endpoint);
        AssertFigures(new EndpointFigures(120, 900, 700.0 / 120, 1500.0 / 120, 2000.0 / 120, 65, 0.65, 65, 0, 0, 1), usage.Periods[0].Service);
        AssertFigures(new EndpointFigures(50, 1000, 10, 20, 30, 0, 0, 0, 4096, 4, 2), usage.Periods[1].Endpoint);
        AssertFigures(new EndpointFigures(50, 1000, 10, 20, 30, 7, 0.07, 7, 4096, 4, 2), usage.Periods[1].Service);
        AssertFigures(new EndpointFigures(150, 1500, 6, 1900.0 / 150, 18, 40, 0.4, 40, 4096, 4, 3), usage.Total);
        Assert.Equal(72, usage.ServiceTotal.CpuSamples);
        Assert.Equal(40.0 / 72, usage.CpuShare!.Value, 9);
        Assert.Equal(400.0 / 150, usage.Total.CpuMsPerRequest!.Value, 9);
    }

    [Fact]
    public async Task The_service_endpoints_grain_lists_every_endpoint_and_the_rows_add_up_to_the_service()
    {
        var (service, m) = await SeedAsync();
        await using var client = await OrleansClient.LocalhostAsync(platform.Silo.GatewayPort, "platform", "platform");

        var usage = await client.Client.GetGrain<IServiceEndpointsGrain>(service).GetUsageAsync(new TimeRange(m, m.AddMinutes(2)));

        Assert.Equal(
            [
                (Items, "GET", "/items/{id}", 150L, 40L, 4096L),
                (Orders, "POST", "/orders", 20L, 20L, 0L),
                (EndpointNames.NotAttributed, "", EndpointNames.NotAttributed, 0L, 7L, 0L),
                (EndpointNames.NotInRequest, "", EndpointNames.NotInRequest, 0L, 5L, 0L),
            ],
            usage.Endpoints.Select(e => (e.Endpoint, e.Method, e.Route, e.Figures.Requests, e.Figures.CpuSamples, e.Figures.AllocBytes)));
        Assert.All(usage.Endpoints, e => Assert.Equal(3, e.Figures.Windows));
        AssertFigures(new EndpointFigures(170, 1900, 1200.0 / 170, 2500.0 / 170, 3500.0 / 170, 72, 0.72, 72, 4096, 4, 3), usage.Total);
        Assert.Equal(usage.Total.CpuSamples, usage.Endpoints.Sum(e => e.Figures.CpuSamples));
        Assert.Equal(2, usage.Periods.Count);
        Assert.Equal(2, usage.MinutesWithRequests);
    }

    [Fact]
    public async Task List_endpoints_puts_cpu_and_allocations_beside_requests_and_says_what_the_rate_divides_by()
    {
        var (service, m) = await SeedAsync();

        var reply = await Client.ListEndpointsAsync(new ListEndpointsRequest
        {
            Service = service,
            From = Timestamp.FromDateTimeOffset(m),
            To = Timestamp.FromDateTimeOffset(m.AddMinutes(5)),
        });

        Assert.Equal(2, reply.MinutesWithRequests);
        Assert.Equal(3, reply.Windows);
        Assert.Equal(72, reply.CpuSamples);
        Assert.Equal(
            [
                ("GET", "/items/{id}", 150L, 75.0, 40L, 4096L),
                ("POST", "/orders", 20L, 10.0, 20L, 0L),
                ("", EndpointNames.NotAttributed, 0L, 0.0, 7L, 0L),
                ("", EndpointNames.NotInRequest, 0L, 0.0, 5L, 0L),
            ],
            reply.Endpoints.Select(e => (e.Method, e.Route, e.Requests, e.RequestsPerMinute, e.CpuSamples, e.AllocBytes)));
        var items = reply.Endpoints[0];
        Assert.Equal(0.4, items.CpuSeconds, 9);
        Assert.Equal(400.0 / 150, items.CpuMsPerRequest, 9);
        Assert.Equal(40.0 / 72, items.CpuShare, 9);
        Assert.Equal(0, reply.Endpoints[2].CpuMsPerRequest);
    }
}
