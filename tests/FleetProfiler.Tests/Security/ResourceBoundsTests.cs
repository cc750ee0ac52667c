using System.Globalization;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Tests.Security;

/// <summary>A platform with small bounds (issue 10 item 8) and an injected fault, started once for these tests.</summary>
public sealed class BoundedPlatform : IAsyncLifetime
{
    public const ulong FailingSequence = 424_242;

    /// <summary>Distinct stack paths (call-tree nodes) one window may hold here; the other tests' windows have a handful.</summary>
    public const int MaxWindowNodes = 16;

    public PlatformFixture Platform { get; private set; } = null!;

    public async Task InitializeAsync() => Platform = await PlatformFixture.StartAsync(new Dictionary<string, string>
    {
        ["Ingest:MaxStreamsPerAgent"] = "1",
        ["Ingest:FailApplyOfSequence"] = FailingSequence.ToString(CultureInfo.InvariantCulture),
        ["Ingest:Limits:MaxWindowAge"] = "02:00:00",
        ["Ingest:Limits:MaxWindowNodes"] = MaxWindowNodes.ToString(CultureInfo.InvariantCulture),
        ["Profiles:MaxHostsPerService"] = "1",
        ["Profiles:MaxServices"] = "2",
        ["Profiles:MaxQueryWindows"] = "3",
        // No rollup during the tests: the windows stay raw, so a query reads them one by one.
        ["Profiles:RollupPeriod"] = "02:00:00",
    });

    public async Task DisposeAsync() => await Platform.DisposeAsync();
}

/// <summary>Each bound of issue 10 item 8 reached on the real processes: what is refused, with which status, and what goes on.</summary>
public sealed class ResourceBoundsTests(BoundedPlatform bounded) : IClassFixture<BoundedPlatform>
{
    private PlatformFixture Platform => bounded.Platform;
    private static DateTimeOffset Recent => DateTimeOffset.UtcNow.AddMinutes(-30);
    private static ulong NewSequence() => (ulong)Random.Shared.NextInt64(1, long.MaxValue / 2);

    [Fact]
    public async Task A_second_stream_of_one_agent_is_refused_and_admitted_once_the_first_ends()
    {
        var (first, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB);
        await using (first)
        {
            await using var second = AgentStream.Open(Platform.Channel, PlatformFixture.TokenB);
            await second.SendAsync(TestBatches.Hello("agent-b", "host-b", PlatformFixture.TokenB));
            var e = await second.ExpectEndAsync();
            Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
            Assert.Contains("MaxStreamsPerAgent", e.Status.Detail);
        }
        // The slot comes back when the gateway has finished the first call.
        await Eventually.Until(async () =>
        {
            try
            {
                var (again, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB);
                await again.DisposeAsync();
                return true;
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                return false;
            }
        }, admitted => admitted, TestTimeouts.Step, "a new stream of agent-b after the first ended");
    }

    [Fact]
    public async Task A_host_beyond_a_services_bound_and_a_service_beyond_the_fleets_bound_are_refused_with_the_reason()
    {
        var (a, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA);
        await using var _a = a;
        var (c, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC);
        await using var _c = c;
        await a.SendAckedAsync(TestBatches.Cpu(NewSequence(), "bounded-1", "host-a", Recent, ("main;a", 1)));

        var host = await c.SendBatchAsync(TestBatches.Cpu(NewSequence(), "bounded-1", "host-c", Recent, ("main;c", 1)));
        Assert.Equal((int)StatusCode.ResourceExhausted, host.Rejected.Code);
        Assert.Contains("MaxHostsPerService", host.Rejected.Message);

        await c.SendAckedAsync(TestBatches.Cpu(NewSequence(), "bounded-2", "host-c", Recent, ("main;c", 1)));
        var service = await c.SendBatchAsync(TestBatches.Cpu(NewSequence(), "bounded-3", "host-c", Recent, ("main;c", 1)));
        Assert.Equal((int)StatusCode.ResourceExhausted, service.Rejected.Code);
        Assert.Contains("MaxServices", service.Rejected.Message);

        var query = new FleetProfiler.Protocol.V1.Query.QueryClient(Platform.Channel);
        Assert.Equal(["host-a"], (await query.ListHostsAsync(new ListHostsRequest { Service = "bounded-1" })).Hosts.Select(h => h.Host));
        Assert.DoesNotContain("bounded-3", (await query.ListServicesAsync(new ListServicesRequest())).Services.Select(s => s.Name));
    }

    [Fact]
    public async Task An_exception_while_applying_a_batch_becomes_its_rejection_and_the_stream_stores_the_next()
    {
        var (agent, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC);
        await using var _ = agent;

        var reply = await agent.SendBatchAsync(TestBatches.Cpu(BoundedPlatform.FailingSequence, "bounded-2", "host-c", Recent, ("main;poison", 5)));

        Assert.Equal((int)StatusCode.Internal, reply.Rejected.Code);
        Assert.Contains("FailApplyOfSequence", reply.Rejected.Message);
        Assert.Contains("not resent", reply.Rejected.Message);
        await agent.SendAckedAsync(TestBatches.Cpu(NewSequence(), "bounded-2", "host-c", Recent, ("main;after", 2)));
    }

    [Fact]
    public async Task A_window_older_than_the_configured_age_is_rejected_naming_max_window_age()
    {
        var (agent, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC);
        await using var _ = agent;

        var reply = await agent.SendBatchAsync(TestBatches.Cpu(NewSequence(), "bounded-2", "host-c", DateTimeOffset.UtcNow.AddHours(-3), ("main;old", 1)));

        Assert.Equal((int)StatusCode.InvalidArgument, reply.Rejected.Code);
        Assert.Contains("max_window_age", reply.Rejected.Message);
    }

    [Fact]
    public async Task A_window_with_more_distinct_stacks_than_the_bound_is_rejected_naming_it_stores_nothing_and_the_stream_goes_on()
    {
        var (agent, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC);
        await using var _ = agent;
        var marker = "wide" + Guid.NewGuid().ToString("N")[..6];
        var wide = Enumerable.Range(0, BoundedPlatform.MaxWindowNodes).Select(i => ($"main;{marker}{i}", 1L)).ToArray();

        var reply = await agent.SendBatchAsync(TestBatches.Cpu(NewSequence(), "bounded-2", "host-c", Recent, wide));

        Assert.Equal((int)StatusCode.InvalidArgument, reply.Rejected.Code);
        Assert.Contains("max_window_nodes", reply.Rejected.Message);
        await agent.SendAckedAsync(TestBatches.Cpu(NewSequence(), "bounded-2", "host-c", Recent, ("main;narrow", 1)));
        var stored = await new FleetProfiler.Protocol.V1.Query.QueryClient(Platform.Channel).GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = "bounded-2" },
            From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-2)),
            To = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
            Kind = "cpu",
            Format = "folded",
        });
        Assert.Contains("narrow", stored.Data.ToStringUtf8());
        Assert.DoesNotContain(marker, stored.Data.ToStringUtf8());
    }

    [Fact]
    public async Task A_query_over_more_raw_windows_than_the_bound_merges_the_bound_and_says_truncated()
    {
        var (agent, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA);
        await using var _ = agent;
        var start = DateTimeOffset.UtcNow.AddMinutes(-50);
        for (var i = 0; i < 5; i++)
            await agent.SendAckedAsync(TestBatches.Cpu(NewSequence(), "bounded-1", "host-a", start.AddSeconds(10 * i), ($"main;w{i}", 1)));

        var reply = await new FleetProfiler.Protocol.V1.Query.QueryClient(Platform.Channel).GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = "bounded-1", Host = "host-a" },
            From = Timestamp.FromDateTimeOffset(start.AddMinutes(-1)),
            To = Timestamp.FromDateTimeOffset(start.AddMinutes(2)),
            Kind = "cpu",
            Format = "folded",
        });

        Assert.True(reply.Truncated);
        Assert.Equal(3, reply.Windows);
    }
}
