using FleetProfiler.Protocol.V1;
using Grpc.Core;

namespace FleetProfiler.Tests.Security;

/// <summary>A flood of triggers against one host reaches its agent at a bounded rate; the rest are RESOURCE_EXHAUSTED.</summary>
[Collection(PlatformCollection.Name)]
public sealed class TriggerBoundsTests(PlatformFixture platform)
{
    /// <summary>The default of FleetProfiler:Triggers:PerHostPerMinute.</summary>
    private const int PerHostPerMinute = 10;
    private const int Flood = 100;

    [Fact]
    public async Task A_trigger_flood_against_one_host_is_limited_and_only_accepted_triggers_reach_the_agent()
    {
        var service = "flood-" + Guid.NewGuid().ToString("N")[..8];
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = agent;
        var query = new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel);

        var accepted = new List<string>();
        var limited = 0;
        for (var i = 0; i < Flood; i++)
        {
            try
            {
                accepted.Add((await query.TriggerAsync(new TriggerRequest { Service = service, Host = "host-c", Kind = "cpu", Seconds = 5 })).CommandId);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                Assert.Contains("PerHostPerMinute", e.Status.Detail);
                limited++;
            }
        }

        // The bucket holds 10 and refills one every 6 s: however slow this loop, far fewer than 100 pass.
        Assert.InRange(accepted.Count, PerHostPerMinute, Flood / 2);
        Assert.Equal(Flood, accepted.Count + limited);
        var received = new List<string>();
        foreach (var _1 in accepted)
        {
            var message = await agent.ReceiveAsync();
            Assert.Equal(GatewayMessage.BodyOneofCase.Command, message.BodyCase);
            received.Add(message.Command.Id);
        }
        Assert.Equal(accepted, received);

        // Another host keeps its own bucket.
        var (other, _2) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using var _3 = other;
        Assert.NotEmpty((await query.TriggerAsync(new TriggerRequest { Service = service, Host = "host-b", Kind = "cpu", Seconds = 5 })).CommandId);
    }
}
