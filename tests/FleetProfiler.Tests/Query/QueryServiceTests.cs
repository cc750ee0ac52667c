using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Tests.Query;

/// <summary>The query API's argument checks and formats, over real gRPC.</summary>
[Collection(PlatformCollection.Name)]
public sealed class QueryServiceTests(PlatformFixture platform)
{
    private static readonly Timestamp From = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddHours(-1));
    private static readonly Timestamp To = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddHours(1));

    private FleetProfiler.Protocol.V1.Query.QueryClient Client => new(platform.Channel);

    private async Task<string> SeedAsync()
    {
        var service = "q-" + Guid.NewGuid().ToString("N")[..8];
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using var _ = agent;
        var seq = (ulong)Random.Shared.NextInt64(1, long.MaxValue / 2);
        Assert.Equal(GatewayMessage.BodyOneofCase.Ack, (await agent.SendBatchAsync(TestBatches.Cpu(seq, service, "host-b", TestBatches.Epoch,
            ("Demo!Program.Main;Demo!Orders.Get;Demo!Json.Write", 6), ("Demo!Program.Main;Demo!Orders.Get;Demo!Db.Query", 4)))).BodyCase);
        return service;
    }

    public static TheoryData<string, string, StatusCode> BadRequests => new()
    {
        { "no-service", "selector.service", StatusCode.InvalidArgument },
        { "slash-service", "selector.service", StatusCode.InvalidArgument },
        { "endpoint", "selector.endpoint", StatusCode.InvalidArgument },
        { "no-from", "from", StatusCode.InvalidArgument },
        { "inverted", "to: must be after from", StatusCode.InvalidArgument },
        { "empty-range", "the range is empty", StatusCode.InvalidArgument },
        { "kind", "kind: unknown kind 'gpu'", StatusCode.InvalidArgument },
        { "no-kind", "kind: required", StatusCode.InvalidArgument },
        { "format", "format: unknown format 'png'", StatusCode.InvalidArgument },
        { "unknown-service", "unknown service", StatusCode.NotFound },
        { "unknown-host", "selector.host", StatusCode.NotFound },
        { "empty-time", "no profile data", StatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_profile_requests_name_the_field(string what, string expected, StatusCode code)
    {
        var service = await SeedAsync();
        var r = new GetProfileRequest { Selector = new Selector { Service = service }, From = From, To = To, Kind = "cpu", Format = "folded" };
        switch (what)
        {
            case "no-service": r.Selector.Service = ""; break;
            case "slash-service": r.Selector.Service = "a/b"; break;
            case "endpoint": r.Selector.Endpoint = "GET /x"; break;
            case "no-from": r.From = null; break;
            case "inverted": r.From = To; r.To = From; break;
            case "empty-range": r.To = r.From; break;
            case "kind": r.Kind = "gpu"; break;
            case "no-kind": r.Kind = ""; break;
            case "format": r.Format = "png"; break;
            case "unknown-service": r.Selector.Service = "never-seen"; break;
            case "unknown-host": r.Selector.Host = "ghost"; break;
            case "empty-time": r.From = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddDays(3)); r.To = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddDays(4)); break;
        }
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.GetProfileAsync(r));
        Assert.Equal(code, e.StatusCode);
        Assert.Contains(expected, e.Status.Detail);
    }

    [Theory]
    [InlineData("tree", "application/json")]
    [InlineData("folded", "text/plain; charset=utf-8")]
    [InlineData("pprof", "application/vnd.google.protobuf+gzip")]
    [InlineData("speedscope", "application/json")]
    [InlineData("svg", "image/svg+xml")]
    public async Task Every_format_renders_the_stored_profile(string format, string contentType)
    {
        var service = await SeedAsync();
        var reply = await Client.GetProfileAsync(new GetProfileRequest { Selector = new Selector { Service = service }, From = From, To = To, Kind = "cpu", Format = format });
        Assert.Equal((format, contentType, 10L, 1), (reply.Format, reply.ContentType, reply.Total, reply.Windows));
        Assert.False(reply.Truncated);
        Assert.True(reply.Data.Length > 0);
        switch (format)
        {
            case "tree":
                using (var doc = System.Text.Json.JsonDocument.Parse(reply.Data.Memory))
                    Assert.Equal(10, doc.RootElement.GetProperty("total").GetInt64());
                break;
            case "folded":
                Assert.Contains("Demo!Program.Main;Demo!Orders.Get;Demo!Json.Write 6\n", reply.Data.ToStringUtf8());
                break;
            case "pprof":
                Assert.Equal(new byte[] { 0x1f, 0x8b }, reply.Data.Span[..2].ToArray()); // gzip
                break;
            case "speedscope":
                Assert.Contains("https://www.speedscope.app/file-format-schema.json", reply.Data.ToStringUtf8());
                break;
            case "svg":
                var svg = System.Xml.Linq.XDocument.Parse(reply.Data.ToStringUtf8());
                Assert.Equal("svg", svg.Root!.Name.LocalName);
                Assert.Contains("Demo!Orders.Get", reply.Data.ToStringUtf8());
                break;
        }
    }

    [Fact]
    public async Task Top_files_and_diff_answer_for_stored_data()
    {
        var a = await SeedAsync();
        var b = await SeedAsync();
        var files = await Client.TopFilesAsync(new TopRequest { Selector = new Selector { Service = a }, From = From, To = To, Kind = "cpu" });
        Assert.Equal("Json.cs", files.Entries[0].Name);
        Assert.Equal(0.6, files.Entries[0].SelfShare, 6);

        var diff = await Client.DiffAsync(new DiffRequest
        {
            SelectorA = new Selector { Service = a }, FromA = From, ToA = To,
            SelectorB = new Selector { Service = b }, FromB = From, ToB = To,
            Kind = "cpu", Format = "tree",
        });
        Assert.Equal("application/json", diff.ContentType);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.DiffAsync(new DiffRequest { SelectorA = new Selector { Service = a }, FromA = From, ToA = To, Kind = "cpu" }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("selector_b.service", e.Status.Detail);
    }

    [Fact]
    public async Task Services_and_hosts_are_listed_with_their_agent()
    {
        var service = await SeedAsync();
        var services = await Client.ListServicesAsync(new ListServicesRequest());
        Assert.Equal(1, services.Services.Single(s => s.Name == service).HostCount);
        var host = Assert.Single((await Client.ListHostsAsync(new ListHostsRequest { Service = service })).Hosts);
        Assert.Equal(("host-b", "agent-b", TestBatches.AgentVersion), (host.Host, host.AgentId, host.AgentVersion));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.ListHostsAsync(new ListHostsRequest { Service = "never-seen" }));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task The_browser_port_serves_profiles_and_maps_errors_to_http_statuses()
    {
        var service = await SeedAsync();
        using var http = new HttpClient { BaseAddress = platform.HttpBase };
        var range = $"from={Uri.EscapeDataString(From.ToDateTimeOffset().ToString("O"))}&to={Uri.EscapeDataString(To.ToDateTimeOffset().ToString("O"))}";

        var svg = await http.GetAsync($"/api/profile?service={service}&{range}");
        Assert.Equal(System.Net.HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
        Assert.Equal("1", svg.Headers.GetValues("X-FleetProfiler-Windows").Single());

        var badKind = await http.GetAsync($"/api/profile?service={service}&kind=gpu&{range}");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, badKind.StatusCode);
        Assert.Contains("kind", await badKind.Content.ReadAsStringAsync());

        var unknown = await http.GetAsync("/api/profile?service=never-seen&since=1h");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.GetAsync($"/api/profile?service={service}&since=yesterday")).StatusCode);
    }
}
