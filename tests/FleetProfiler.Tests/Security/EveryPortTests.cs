using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;

namespace FleetProfiler.Tests.Security;

/// <summary>
/// Attacks on every gRPC method and HTTP route of a real platform process, enumerated from the wire contract and the
/// gateway's endpoint data source: no key, a wrong key and a key of the wrong role are refused; health stays open.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class EveryPortTests(PlatformFixture platform)
{
    private const string WrongKey = "fpk_not-a-key-anyone-holds-0123456789abcdef";

    /// <summary>What only an operator may do (docs/security.md); every other method is for readers (or, Connect, agents).</summary>
    private static readonly string[] OperatorMethods =
    [
        "Cost.ImportCosts", "Cost.SetCodeOwners", "Cost.SetEndpointOwners", "Cost.SetMonthlyCost",
        "DeadCode.ImportCobertura",
        "Query.Trigger",
        "Schedule.Remove", "Schedule.RunNow", "Schedule.Set",
        "Status.Compact",
    ];

    public static TheoryData<string> Methods() => [.. GatewaySurface.GrpcMethods.Select(m => m.FullName)];

    public static TheoryData<string, string> Routes()
    {
        var routes = new TheoryData<string, string>();
        foreach (var r in GatewaySurface.HttpRoutes)
        {
            routes.Add(r.Method, r.Path);
        }
        return routes;
    }

    private static Google.Protobuf.Reflection.MethodDescriptor Method(string fullName) => GatewaySurface.GrpcMethods.Single(m => m.FullName == fullName);

    [Fact]
    public void The_surface_is_found_by_enumeration()
    {
        // Guards the enumeration itself: an empty list would make every theory below pass vacuously.
        Assert.Contains(GatewaySurface.GrpcMethods, m => GatewaySurface.Name(m) == "Query.GetProfile");
        Assert.Contains(GatewaySurface.GrpcMethods, m => GatewaySurface.Name(m) == "Ingest.Connect");
        Assert.Contains(GatewaySurface.HttpRoutes, r => r.Path == "/api/profile");
        Assert.Contains(GatewaySurface.HttpRoutes, r => r is { Method: "POST", Path: "/api/deadcode/cobertura" });
        // The only HTTP route open without a key is the health check.
        Assert.Equal(["/healthz"], GatewaySurface.HttpRoutes.Where(r => r.Anonymous).Select(r => r.Path));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task A_grpc_call_without_a_key_is_unauthenticated(string method)
    {
        using var channel = TestKeys.Channel(platform.GrpcUrl, key: null);
        Assert.Equal(StatusCode.Unauthenticated, await GatewaySurface.CallAsync(channel, Method(method)));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task A_grpc_call_with_a_wrong_key_is_unauthenticated(string method)
    {
        using var channel = TestKeys.Channel(platform.GrpcUrl, WrongKey);
        Assert.Equal(StatusCode.Unauthenticated, await GatewaySurface.CallAsync(channel, Method(method)));
    }

    [Fact]
    public async Task A_reader_key_is_permission_denied_exactly_on_operator_methods_and_ingest()
    {
        using var channel = TestKeys.Channel(platform.GrpcUrl, TestKeys.Reader);
        var denied = new List<string>();
        foreach (var m in GatewaySurface.GrpcMethods)
        {
            var status = await GatewaySurface.CallAsync(channel, m);
            Assert.NotEqual(StatusCode.Unauthenticated, status);
            if (status == StatusCode.PermissionDenied) denied.Add(GatewaySurface.Name(m));
        }
        Assert.Equal(OperatorMethods.Append("Ingest.Connect").Order(StringComparer.Ordinal), denied.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_agent_key_is_permission_denied_on_everything_but_ingest()
    {
        using var channel = TestKeys.Channel(platform.GrpcUrl, PlatformFixture.TokenA);
        foreach (var m in GatewaySurface.GrpcMethods.Where(m => GatewaySurface.Name(m) != "Ingest.Connect"))
        {
            Assert.True(StatusCode.PermissionDenied == await GatewaySurface.CallAsync(channel, m), GatewaySurface.Name(m));
        }
    }

    [Fact]
    public async Task An_operator_key_reaches_operator_methods()
    {
        using var channel = TestKeys.Channel(platform.GrpcUrl, TestKeys.Operator);
        foreach (var m in GatewaySurface.GrpcMethods.Where(m => OperatorMethods.Contains(GatewaySurface.Name(m))))
        {
            var status = await GatewaySurface.CallAsync(channel, m);
            Assert.True(status is not (StatusCode.Unauthenticated or StatusCode.PermissionDenied), $"{GatewaySurface.Name(m)}: {status}");
        }
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task An_http_route_without_a_key_or_with_a_wrong_one_is_401_and_with_an_agent_key_403(string method, string path)
    {
        var route = GatewaySurface.HttpRoutes.Single(r => r.Method == method && r.Path == path);
        if (route.Anonymous)
        {
            using var open = platform.Http(key: null);
            using var health = await open.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.NotEqual(HttpStatusCode.Unauthorized, health.StatusCode);
            return;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(null, method, path));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(WrongKey, method, path));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(PlatformFixture.TokenA, method, path));
    }

    [Fact]
    public async Task The_operator_http_route_refuses_a_reader_and_reader_routes_admit_one()
    {
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(TestKeys.Reader, "POST", "/api/deadcode/cobertura"));
        Assert.NotEqual(HttpStatusCode.Forbidden, await StatusAsync(TestKeys.Reader, "GET", "/api/profile?service=nobody"));
        Assert.NotEqual(HttpStatusCode.Unauthorized, await StatusAsync(TestKeys.Reader, "GET", "/api/profile?service=nobody"));
    }

    [Fact]
    public async Task A_browser_gets_a_basic_challenge_and_the_key_works_as_its_password()
    {
        using var http = platform.Http(key: null);
        using var refused = await http.GetAsync("/api/profile?service=nobody");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains(refused.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/profile?service=nobody");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("anyone:" + TestKeys.Reader)));
        using var admitted = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, admitted.StatusCode); // past authorization: the service is unknown
    }

    [Fact]
    public async Task The_dashboard_requires_a_reader_key()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(null, "GET", "/dashboard"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(PlatformFixture.TokenA, "GET", "/dashboard"));
        // "/dashboard/" itself: HttpClient drops the Authorization header when it follows the redirect from "/dashboard".
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(TestKeys.Reader, "GET", "/dashboard/"));
    }

    [Fact]
    public async Task Html_and_svg_answers_carry_nosniff_and_a_content_security_policy()
    {
        var service = "headers-" + Guid.NewGuid().ToString("N")[..8];
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using (agent)
        {
            await agent.SendAckedAsync(TestBatches.Cpu((ulong)Random.Shared.NextInt64(1, long.MaxValue / 2), service, "host-a", TestBatches.Epoch,
                ("Main;<script>alert(1)</script>", 3)));
        }
        using var http = platform.Http(TestKeys.Reader);
        var from = TestBatches.Epoch.AddHours(-1).ToString("O");
        var to = TestBatches.Epoch.AddHours(1).ToString("O");
        using var svg = await http.GetAsync($"/api/profile?service={service}&format=svg&from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}");
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", Assert.Single(svg.Headers.GetValues("X-Content-Type-Options")));
        var policy = Assert.Single(svg.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy);
        Assert.Contains("object-src 'none'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);

        using var dashboard = await http.GetAsync("/dashboard/");
        Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
        Assert.Single(dashboard.Headers.GetValues("Content-Security-Policy"));
        Assert.Equal("nosniff", Assert.Single(dashboard.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task Health_checks_stay_open_and_reflection_needs_a_key()
    {
        using var open = TestKeys.Channel(platform.GrpcUrl, key: null);
        var health = await new Grpc.Health.V1.Health.HealthClient(open).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        Assert.NotNull(health);
        using var anonymous = platform.Http(key: null);
        using var healthz = await anonymous.GetAsync("/healthz");
        Assert.NotEqual(HttpStatusCode.Unauthorized, healthz.StatusCode);

        Assert.Equal(StatusCode.Unauthenticated, await ListServicesAsync(open));
        using var reader = TestKeys.Channel(platform.GrpcUrl, TestKeys.Reader);
        Assert.Equal(StatusCode.OK, await ListServicesAsync(reader));
    }

    private static async Task<StatusCode> ListServicesAsync(GrpcChannel channel)
    {
        var client = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel);
        try
        {
            using var call = client.ServerReflectionInfo(deadline: DateTime.UtcNow + TestTimeouts.Step);
            try
            {
                await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // Refused before the request was written; the response stream carries the status.
            }
            while (await call.ResponseStream.MoveNext())
            {
            }
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private async Task<HttpStatusCode> StatusAsync(string? key, string method, string path)
    {
        using var http = platform.Http(key);
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        return response.StatusCode;
    }
}
