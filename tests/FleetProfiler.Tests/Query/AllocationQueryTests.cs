using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Tests.Query;

/// <summary>
/// Memory queries over real gRPC name the code that allocates: the allocation site (the innermost real frame)
/// carries the bytes in top functions, top files and profiles; the allocated types are their own list.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AllocationQueryTests(PlatformFixture platform)
{
    private static readonly Timestamp From = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddHours(-1));
    private static readonly Timestamp To = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddHours(1));

    private FleetProfiler.Protocol.V1.Query.QueryClient Client => new(platform.Channel);

    /// <summary>Reports.BuildRows allocates 8000 of 11000 bytes itself; Json.Write 3000.</summary>
    private async Task<string> SeedAsync()
    {
        // The store dedupes by (agent, sequence) across services: a sequence of its own per seeded service.
        var id = Guid.NewGuid();
        var service = "alloc-" + id.ToString("N")[..8];
        var sequence = (BitConverter.ToUInt64(id.ToByteArray()) >> 2) + 1;
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using var _ = agent;
        var reply = await agent.SendBatchAsync(TestBatches.Alloc(sequence, service, "host-b", TestBatches.Epoch,
            ("Demo!Program.Main;Demo!Reports.BuildRows", "System.Double[]", 6000, 40),
            ("Demo!Program.Main;Demo!Reports.BuildRows", "Demo.DemoRow", 2000, 50),
            ("Demo!Program.Main;Demo!Json.Write", "System.Byte[]", 3000, 3)));
        Assert.Equal(GatewayMessage.BodyOneofCase.Ack, reply.BodyCase);
        return service;
    }

    private TopRequest Top(string service, string kind = "alloc") =>
        new() { Selector = new Selector { Service = service }, From = From, To = To, Kind = kind };

    [Fact]
    public async Task Top_functions_and_files_rank_the_allocating_code_by_its_own_bytes()
    {
        var service = await SeedAsync();

        var functions = await Client.TopFunctionsAsync(Top(service));
        var files = await Client.TopFilesAsync(Top(service));

        Assert.Equal(
            [("Demo!Reports.BuildRows", 8000L, 8000L), ("Demo!Json.Write", 3000L, 3000L), ("Demo!Program.Main", 0L, 11000L)],
            functions.Entries.Select(e => (e.Name, e.Self, e.Total)));
        Assert.Equal(8000.0 / 11000, functions.Entries[0].SelfShare, 9);
        Assert.Equal(11000, functions.Total);
        Assert.Equal(
            [("Reports.cs", 8000L), ("Json.cs", 3000L), ("Program.cs", 0L)],
            files.Entries.Select(e => (e.Name, e.Self)));
    }

    [Fact]
    public async Task Top_types_lists_the_allocated_types_with_bytes_and_counts()
    {
        var service = await SeedAsync();

        var types = await Client.TopTypesAsync(Top(service, kind: ""));

        Assert.Equal(
            [("System.Double[]", 6000L, 40L), ("System.Byte[]", 3000L, 3L), ("Demo.DemoRow", 2000L, 50L)],
            types.Entries.Select(e => (e.Name, e.Self, e.Count)));
        Assert.All(types.Entries, e => Assert.Equal(e.Self, e.Total));
        Assert.Equal(6000.0 / 11000, types.Entries[0].SelfShare, 9);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.TopTypesAsync(Top(service, kind: "cpu")));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("kind: allocated types exist only for kinds alloc and inuse", e.Status.Detail);
    }

    [Fact]
    public async Task Profiles_end_at_the_allocation_site_unless_types_are_asked_for()
    {
        var service = await SeedAsync();
        var request = new GetProfileRequest { Selector = new Selector { Service = service }, From = From, To = To, Kind = "alloc", Format = "folded" };

        var sites = (await Client.GetProfileAsync(request)).Data.ToStringUtf8();
        request.AllocatedTypes = true;
        var withTypes = (await Client.GetProfileAsync(request)).Data.ToStringUtf8();

        Assert.Equal("Demo!Program.Main;Demo!Json.Write 3000\nDemo!Program.Main;Demo!Reports.BuildRows 8000\n", sites);
        Assert.Equal(
            "Demo!Program.Main;Demo!Json.Write;[alloc] System.Byte[] 3000\n" +
            "Demo!Program.Main;Demo!Reports.BuildRows;[alloc] Demo.DemoRow 2000\n" +
            "Demo!Program.Main;Demo!Reports.BuildRows;[alloc] System.Double[] 6000\n", withTypes);
    }

    [Fact]
    public async Task The_browser_port_shows_types_with_types_1_and_rejects_other_values()
    {
        var service = await SeedAsync();
        using var http = platform.Http();
        var query = $"/api/profile?service={service}&kind=alloc&format=folded&from={Uri.EscapeDataString(From.ToDateTimeOffset().ToString("O"))}&to={Uri.EscapeDataString(To.ToDateTimeOffset().ToString("O"))}";

        Assert.DoesNotContain("[alloc]", await http.GetStringAsync(query));
        Assert.Contains("Demo!Reports.BuildRows;[alloc] System.Double[] 6000\n", await http.GetStringAsync(query + "&types=1"));
        var bad = await http.GetAsync(query + "&types=maybe");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("types", await bad.Content.ReadAsStringAsync());
    }
}
