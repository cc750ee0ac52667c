using System.Net;
using System.Text.Json;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Tests.Query;

/// <summary>
/// Profiles selected by service version (Batch.service_version, Selector.version) through the real gateway and silo:
/// ListVersions, GetProfile and Diff of two versions over gRPC, /api/versions and the explorer's /api/flame version diff,
/// and what an unknown or impossible version answers.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class VersionQueryTests(PlatformFixture platform)
{
    private static long _sequence = 7_800_000;

    private const string Fast = "Demo!Program.Main;Demo!Orders.Get;Demo!Orders.FastPath";
    private const string Slow = "Demo!Program.Main;Demo!Orders.Get;Demo!Orders.SlowPath";
    private const string Shared = "Demo!Program.Main;Demo!Orders.Get;Demo!Db.Query";

    // Recent whole minutes: inside the raw windows' retention, which is all a version query reads.
    private static readonly DateTimeOffset T0 = new(DateTimeOffset.UtcNow.AddMinutes(-30).UtcTicks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero);
    private static readonly Timestamp From = Timestamp.FromDateTimeOffset(T0.AddMinutes(-5));
    private static readonly Timestamp To = Timestamp.FromDateTimeOffset(T0.AddMinutes(20));

    private FleetProfiler.Protocol.V1.Query.QueryClient Client => new(platform.Channel);

    private static Batch Versioned(Batch batch, string version)
    {
        batch.ServiceVersion = version;
        return batch;
    }

    private static ulong Next() => (ulong)Interlocked.Increment(ref _sequence);

    /// <summary>
    /// Version 1.0 (two windows, the second on host-c) spends 80 % in FastPath; 2.0 (one window, later, interleaved with
    /// a window that has no version) spends 80 % in SlowPath; both 20 % in Db.Query.
    /// </summary>
    private async Task<string> SeedAsync()
    {
        var service = "ver-" + Guid.NewGuid().ToString("N")[..8];
        var (b, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using (b)
        {
            await b.SendAckedAsync(Versioned(TestBatches.Cpu(Next(), service, "host-b", T0, (Fast, 4), (Shared, 1)), "1.0"));
            await b.SendAckedAsync(TestBatches.Cpu(Next(), service, "host-b", T0.AddMinutes(5), (Slow, 50)));
            await b.SendAckedAsync(Versioned(TestBatches.Cpu(Next(), service, "host-b", T0.AddMinutes(10), (Slow, 8), (Shared, 2)), "2.0"));
        }
        var (c, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using (c)
        {
            await c.SendAckedAsync(Versioned(TestBatches.Cpu(Next(), service, "host-c", T0.AddMinutes(1), (Fast, 4), (Shared, 1)), "1.0"));
        }
        return service;
    }

    [Fact]
    public async Task Versions_are_listed_newest_first_and_a_profile_and_a_diff_read_only_their_windows()
    {
        var service = await SeedAsync();

        var versions = await Client.ListVersionsAsync(new ListVersionsRequest { Service = service });
        Assert.Equal(["2.0", "1.0"], versions.Versions.Select(v => v.Version));
        var v1 = versions.Versions[1];
        Assert.Equal((T0, T0.AddMinutes(1).AddSeconds(10), 2, 2), (v1.FirstSeen.ToDateTimeOffset(), v1.LastSeen.ToDateTimeOffset(), v1.Windows, v1.Hosts));
        Assert.Equal(1, versions.UnversionedWindows);
        Assert.Equal(["1.0"], (await Client.ListVersionsAsync(new ListVersionsRequest { Service = service, Host = "host-c" })).Versions.Select(v => v.Version));

        var profile = await Client.GetProfileAsync(new GetProfileRequest { Selector = new Selector { Service = service, Version = "1.0" }, From = From, To = To, Kind = "cpu", Format = "folded" });
        Assert.Equal($"{Shared} 2\n{Fast} 8\n", Sorted(profile.Data.ToStringUtf8()));
        Assert.Equal(2, profile.Windows);
        var hostC = await Client.GetProfileAsync(new GetProfileRequest { Selector = new Selector { Service = service, Host = "host-c", Version = "1.0" }, From = From, To = To, Kind = "cpu", Format = "folded" });
        Assert.Equal(1, hostC.Windows);

        var diff = await Client.DiffAsync(new DiffRequest
        {
            SelectorA = new Selector { Service = service, Version = "1.0" },
            FromA = From,
            ToA = To,
            SelectorB = new Selector { Service = service, Version = "2.0" },
            FromB = From,
            ToB = To,
            Kind = "cpu",
            Format = "tree",
        });
        using var doc = JsonDocument.Parse(diff.Data.Memory);
        var get = Child(Child(doc.RootElement, "Demo!Program.Main"), "Demo!Orders.Get");
        Assert.Equal((0.8, 0.0), Shares(Child(get, "Demo!Orders.FastPath")));
        Assert.Equal((0.0, 0.8), Shares(Child(get, "Demo!Orders.SlowPath")));
        Assert.Equal((0.2, 0.2), Shares(Child(get, "Demo!Db.Query")));
        Assert.Equal(3, diff.Windows);
        Assert.Equal(10, diff.Total);
    }

    [Fact]
    public async Task An_unknown_version_is_not_found_naming_the_known_ones_and_impossible_ones_are_invalid()
    {
        var service = await SeedAsync();
        GetProfileRequest Request(string version, string kind = "cpu") =>
            new() { Selector = new Selector { Service = service, Version = version }, From = From, To = To, Kind = kind, Format = "folded" };

        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await Client.GetProfileAsync(Request("3.0")));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("selector.version: no window of version '3.0'", unknown.Status.Detail);
        Assert.Contains("'2.0', '1.0'", unknown.Status.Detail);

        // 2.0's only window is after this range.
        var outside = await Assert.ThrowsAsync<RpcException>(async () => await Client.GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = service, Version = "2.0" },
            From = From,
            To = Timestamp.FromDateTimeOffset(T0.AddMinutes(9)),
            Kind = "cpu",
        }));
        Assert.Equal(StatusCode.NotFound, outside.StatusCode);

        var control = await Assert.ThrowsAsync<RpcException>(async () => await Client.GetProfileAsync(Request("1.0\n")));
        Assert.Equal((StatusCode.InvalidArgument, "selector.version: contains a control character"), (control.StatusCode, control.Status.Detail));
        var inuse = await Assert.ThrowsAsync<RpcException>(async () => await Client.GetProfileAsync(Request("1.0", "inuse")));
        Assert.Equal(StatusCode.InvalidArgument, inuse.StatusCode);
        Assert.Contains("selector.version: kind inuse is a snapshot", inuse.Status.Detail);
        var none = await Assert.ThrowsAsync<RpcException>(async () => await Client.ListVersionsAsync(new ListVersionsRequest { Service = "never-seen-" + service }));
        Assert.Equal(StatusCode.NotFound, none.StatusCode);
    }

    [Fact]
    public async Task A_batch_with_an_overlong_service_version_is_rejected_whole()
    {
        var service = "ver-bad-" + Guid.NewGuid().ToString("N")[..8];
        var (b, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using (b)
        {
            var reply = await b.SendBatchAsync(Versioned(TestBatches.Cpu(Next(), service, "host-b", T0, (Fast, 1)), new string('9', 129)));
            Assert.Equal(GatewayMessage.BodyOneofCase.Rejected, reply.BodyCase);
            Assert.Equal("service_version is longer than 128 characters", reply.Rejected.Message);
        }
    }

    [Fact]
    public async Task The_explorer_routes_list_versions_and_diff_two_versions_over_one_range()
    {
        var service = await SeedAsync();
        using var http = platform.Http(TestKeys.Reader);

        using (var list = JsonDocument.Parse(await Ok(await http.GetAsync($"/api/versions?service={service}"))))
            Assert.Equal(["2.0", "1.0"], list.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));

        // No from_b/to_b: B reads A's range, the versions tell the sides apart.
        var range = $"from={Iso(From)}&to={Iso(To)}";
        using var flame = JsonDocument.Parse(await Ok(await http.GetAsync($"/api/flame?service={service}&kind=cpu&mode=diff&{range}&version=1.0&version_b=2.0")));
        var root = flame.RootElement;
        Assert.Equal(("1.0", "2.0"), (root.GetProperty("version").GetString(), root.GetProperty("versionB").GetString()));
        var strings = root.GetProperty("strings").EnumerateArray().Select(s => s.GetString()!).ToArray();
        var names = root.GetProperty("name").EnumerateArray().Select(i => strings[i.GetInt32()]).ToArray();
        var before = root.GetProperty("before").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var after = root.GetProperty("after").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        int fast = Array.IndexOf(names, "Demo!Orders.FastPath"), slow = Array.IndexOf(names, "Demo!Orders.SlowPath");
        Assert.Equal((0.8, 0.0), (before[fast], after[fast]));
        Assert.Equal((0.0, 0.8), (before[slow], after[slow]));
        Assert.Equal((10, 10), (root.GetProperty("totalBefore").GetInt64(), root.GetProperty("totalAfter").GetInt64()));

        // Without a B version a diff still needs range B; an unknown version says what is missing.
        var noB = await http.GetAsync($"/api/flame?service={service}&kind=cpu&mode=diff&{range}&version=1.0");
        Assert.Equal(HttpStatusCode.BadRequest, noB.StatusCode);
        var unknown = await http.GetAsync($"/api/flame?service={service}&kind=cpu&mode=diff&{range}&version=1.0&version_b=9.9");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("selector_b.version: no window of version '9.9'", await unknown.Content.ReadAsStringAsync());
    }

    private static string Iso(Timestamp t) => Uri.EscapeDataString(t.ToDateTimeOffset().ToString("O"));

    private static async Task<string> Ok(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return body;
    }

    private static string Sorted(string folded) => string.Concat(folded.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).Select(l => l + "\n"));

    private static (double, double) Shares(JsonElement node) => (Math.Round(node.GetProperty("before").GetDouble(), 9), Math.Round(node.GetProperty("after").GetDouble(), 9));

    private static JsonElement Child(JsonElement node, string name) =>
        node.GetProperty("children").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
