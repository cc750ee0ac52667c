using System.IO.Compression;
using System.Text.Json;
using FleetProfiler.Profiles.Tests.Pprof;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Tests.Query;

/// <summary>The query API's argument checks and formats, over real gRPC.</summary>
[Collection(PlatformCollection.Name)]
public sealed class QueryServiceTests(PlatformFixture platform)
{
    private static long _sequence = 7_000_000;
    private static readonly Timestamp From = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddHours(-1));
    private static readonly Timestamp To = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddHours(1));

    private FleetProfiler.Protocol.V1.Query.QueryClient Client => new(platform.Channel);

    private async Task<string> SeedAsync()
    {
        var service = "q-" + Guid.NewGuid().ToString("N")[..8];
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using var _ = agent;
        // A sequence of its own per seeded window: the platform drops a sequence an agent already sent as a resend.
        var seq = (ulong)Interlocked.Increment(ref _sequence);
        Assert.Equal(GatewayMessage.BodyOneofCase.Ack, (await agent.SendBatchAsync(TestBatches.Cpu(seq, service, "host-b", TestBatches.Epoch,
            ("Demo!Program.Main;Demo!Orders.Get;Demo!Json.Write", 6), ("Demo!Program.Main;Demo!Orders.Get;Demo!Db.Query", 4)))).BodyCase);
        return service;
    }

    public static TheoryData<string, string, StatusCode> BadRequests => new()
    {
        { "no-service", "selector.service", StatusCode.InvalidArgument },
        { "slash-service", "selector.service", StatusCode.InvalidArgument },
        { "endpoint", "selector.endpoint", StatusCode.InvalidArgument },
        { "endpoint-inuse", "selector.endpoint: kind inuse has no per-endpoint view", StatusCode.InvalidArgument },
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
            case "endpoint": r.Selector.Endpoint = "GET /x\n"; break;
            // In-use is a snapshot of live objects, not samples of requests: an endpoint's in-use view does not exist.
            case "endpoint-inuse": r.Selector.Endpoint = "GET /x"; r.Kind = "inuse"; break;
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
    [InlineData("flame", "application/json")]
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
        switch (format)
        {
            case "tree":
                using (var doc = JsonDocument.Parse(reply.Data.Memory))
                {
                    Assert.Equal(10, doc.RootElement.GetProperty("total").GetInt64());
                    var get = Child(Child(doc.RootElement, "Demo!Program.Main"), "Demo!Orders.Get");
                    Assert.Equal((10L, 0L), (get.GetProperty("total").GetInt64(), get.GetProperty("self").GetInt64()));
                    Assert.Equal(6, Child(get, "Demo!Json.Write").GetProperty("self").GetInt64());
                }
                break;
            case "flame":
                using (var doc = JsonDocument.Parse(reply.Data.Memory))
                {
                    // Parallel arrays in pre-order, heavier siblings first: all, Main, Get, Json.Write (6), Db.Query (4).
                    var root = doc.RootElement;
                    var strings = root.GetProperty("strings").EnumerateArray().Select(e => e.GetString()).ToList();
                    var names = root.GetProperty("name").EnumerateArray().Select(e => strings[e.GetInt32()]).ToList();
                    Assert.Equal(["all", "Demo!Program.Main", "Demo!Orders.Get", "Demo!Json.Write", "Demo!Db.Query"], names);
                    Assert.Equal([10L, 10L, 10L, 6L, 4L], root.GetProperty("total").EnumerateArray().Select(e => e.GetInt64()));
                    Assert.Equal([-1, 0, 1, 2, 2], root.GetProperty("parent").EnumerateArray().Select(e => e.GetInt32()));
                    Assert.Equal([0L, 0L, 0L, 0L, 6L], root.GetProperty("offset").EnumerateArray().Select(e => e.GetInt64()));
                    Assert.Equal(10, root.GetProperty("rootTotal").GetInt64());
                }
                break;
            case "folded":
                Assert.Equal("Demo!Program.Main;Demo!Orders.Get;Demo!Db.Query 4\nDemo!Program.Main;Demo!Orders.Get;Demo!Json.Write 6\n",
                    string.Concat(reply.Data.ToStringUtf8().Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().Select(l => l + "\n")));
                break;
            case "pprof":
                using (var gz = new GZipStream(new MemoryStream(reply.Data.ToByteArray()), CompressionMode.Decompress))
                {
                    var profile = Profile.Parser.ParseFrom(gz);
                    var names = profile.Function.ToDictionary(f => f.Id, f => profile.StringTable[(int)f.Name]);
                    var leaves = profile.Sample.ToDictionary(
                        sample => names[profile.Location.Single(l => l.Id == sample.LocationId[0]).Line[0].FunctionId],
                        sample => sample.Value[0]);
                    Assert.Equal(new Dictionary<string, long> { ["Demo!Json.Write"] = 6, ["Demo!Db.Query"] = 4 }, leaves);
                }
                break;
            case "speedscope":
                using (var doc = JsonDocument.Parse(reply.Data.Memory))
                {
                    Assert.Equal("https://www.speedscope.app/file-format-schema.json", doc.RootElement.GetProperty("$schema").GetString());
                    // Ten samples at the batch's 1 ms interval, in nanoseconds.
                    var weights = doc.RootElement.GetProperty("profiles")[0].GetProperty("weights").EnumerateArray().Sum(w => w.GetInt64());
                    Assert.Equal(10 * 1_000_000L, weights);
                }
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
            SelectorA = new Selector { Service = a },
            FromA = From,
            ToA = To,
            SelectorB = new Selector { Service = b },
            FromB = From,
            ToB = To,
            Kind = "cpu",
            Format = "tree",
        });
        Assert.Equal("application/json", diff.ContentType);
        // The same stacks on both sides: every share is unchanged.
        using (var doc = JsonDocument.Parse(diff.Data.Memory))
        {
            var write = Child(Child(Child(doc.RootElement, "Demo!Program.Main"), "Demo!Orders.Get"), "Demo!Json.Write");
            Assert.Equal((0.6, 0.6), (write.GetProperty("before").GetDouble(), write.GetProperty("after").GetDouble()));
        }
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
        using var http = platform.Http();
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

    private static JsonElement Child(JsonElement node, string name) =>
        node.GetProperty("children").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
