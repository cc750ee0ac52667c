using FleetProfiler.Protocol.V1;
using Grpc.Core;

namespace FleetProfiler.Tests.Security;

/// <summary>
/// An agent key writes only what it owns: its agent id, hosts matching its host pattern, services on its allow-list
/// (<see cref="PlatformFixture.AgentD"/>: "web-*", owned-a and owned-b). Attacks over the real stream.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AgentOwnershipTests(PlatformFixture platform)
{
    private static readonly AgentCredential D = PlatformFixture.AgentD;
    private static ulong NewSequence() => (ulong)Random.Shared.NextInt64(1, long.MaxValue / 2);

    private async Task<RpcException> RefusedHelloAsync(AgentCredential key, string agentId, string host, params string[] services)
    {
        await using var agent = AgentStream.Open(platform.Channel, key.Token);
        await agent.SendAsync(TestBatches.Hello(agentId, host, key.Token, services));
        return await agent.ExpectEndAsync();
    }

    [Fact]
    public async Task A_fleet_key_connects_any_host_matching_its_pattern_for_its_services()
    {
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, D.AgentId, "web-17", D.Token, "owned-a");
        await using var _ = agent;
        var reply = await agent.SendBatchAsync(TestBatches.Cpu(NewSequence(), "owned-b", "web-17", TestBatches.Epoch, ("a;b", 1)));
        Assert.Equal(GatewayMessage.BodyOneofCase.Ack, reply.BodyCase);
    }

    [Fact]
    public async Task A_hello_for_a_host_outside_the_pattern_is_permission_denied()
    {
        var e = await RefusedHelloAsync(D, D.AgentId, "db-1", "owned-a");
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("web-*", e.Status.Detail);
    }

    [Fact]
    public async Task A_hello_under_another_agent_id_is_permission_denied()
    {
        var e = await RefusedHelloAsync(D, "agent-a", "web-1", "owned-a");
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public async Task A_hello_naming_an_unlisted_service_is_permission_denied_and_attaches_nothing()
    {
        var service = "not-owned-" + Guid.NewGuid().ToString("N")[..6];
        var e = await RefusedHelloAsync(D, D.AgentId, "web-2", "owned-a", service);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains(service, e.Status.Detail);
        Assert.DoesNotContain(service, await ServicesAsync());
    }

    [Fact]
    public async Task A_batch_for_an_unlisted_service_is_rejected_stores_nothing_and_the_stream_goes_on()
    {
        var service = "not-owned-" + Guid.NewGuid().ToString("N")[..6];
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, D.AgentId, "web-3", D.Token, "owned-a");
        await using var _ = agent;

        var reply = await agent.SendBatchAsync(TestBatches.Cpu(NewSequence(), service, "web-3", TestBatches.Epoch, ("x;y", 1)));
        Assert.Equal(GatewayMessage.BodyOneofCase.Rejected, reply.BodyCase);
        Assert.Equal((int)StatusCode.PermissionDenied, reply.Rejected.Code);
        Assert.Equal(GatewayMessage.BodyOneofCase.Ack,
            (await agent.SendBatchAsync(TestBatches.Cpu(NewSequence(), "owned-a", "web-3", TestBatches.Epoch, ("x;z", 2)))).BodyCase);
        Assert.DoesNotContain(service, await ServicesAsync());
    }

    [Fact]
    public async Task A_batch_for_another_host_on_a_fleet_key_is_rejected()
    {
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, D.AgentId, "web-4", D.Token, "owned-a");
        await using var _ = agent;
        // web-5 matches the key's pattern, but this stream said hello as web-4.
        var reply = await agent.SendBatchAsync(TestBatches.Cpu(NewSequence(), "owned-a", "web-5", TestBatches.Epoch, ("x;y", 1)));
        Assert.Equal((int)StatusCode.PermissionDenied, reply.Rejected.Code);
    }

    [Fact]
    public async Task A_hello_naming_more_services_than_the_limit_is_refused()
    {
        var services = Enumerable.Range(0, 1001).Select(i => $"s{i}").ToArray();
        var e = await RefusedHelloAsync(PlatformFixture.AgentA, "agent-a", "host-a", services);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("MaxHelloServices", e.Status.Detail);
        Assert.DoesNotContain("s1000", await ServicesAsync());
    }

    [Fact]
    public async Task A_16_MB_hello_is_refused()
    {
        // One service name of 16 MiB: over the transport's message cap, refused before it is parsed.
        await using var agent = AgentStream.Open(platform.Channel, PlatformFixture.TokenA);
        try
        {
            await agent.SendAsync(TestBatches.Hello("agent-a", "host-a", PlatformFixture.TokenA, new string('x', 16 * 1024 * 1024)));
        }
        catch (RpcException)
        {
            // The gateway may end the call while the message is still being written; its status is read below.
        }
        Assert.Equal(StatusCode.ResourceExhausted, (await agent.ExpectEndAsync()).StatusCode);
    }

    private async Task<List<string>> ServicesAsync() =>
        [.. (await new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel).ListServicesAsync(new ListServicesRequest())).Services.Select(s => s.Name)];
}
