using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Tests.Ingest;

/// <summary>The platform dies mid-stream and comes back: resent windows are applied exactly once.</summary>
public sealed class ExactlyOnceTests
{
    [Fact]
    public async Task Windows_resent_after_a_gateway_crash_are_applied_exactly_once()
    {
        var platform = new PlatformFixture();
        // Batch 4 is stored but its ack is never sent: the platform is killed in between, deterministically.
        platform.Overrides["Ingest:WithholdAckOfSequence"] = "4";
        await platform.InitializeAsync();
        try
        {
            const string service = "checkout";
            var batches = Enumerable.Range(1, 6)
                .Select(i => TestBatches.Cpu((ulong)i, service, "host-a", TestBatches.Epoch.AddSeconds(10 * i), ($"main;step{i}", i)))
                .ToArray();

            var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
            for (var i = 0; i < 3; i++) Assert.Equal(GatewayMessage.BodyOneofCase.Ack, (await agent.SendBatchAsync(batches[i])).BodyCase);
            await agent.SendAsync(batches[3].Message());
            await platform.Silo.Process.WaitForLineAsync("Batch 4 of agent agent-a is stored; its ack is withheld", TestTimeouts.Step);
            await platform.KillAsync();
            await agent.DisposeAsync();

            platform.Overrides.Clear();
            await platform.RestartAsync();

            // The agent resends everything it holds unacked (it never saw ack 4), then the rest.
            var (again, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
            await using var _ = again;
            var replies = new List<BatchAck>();
            foreach (var b in batches[3..]) replies.Add((await again.SendBatchAsync(b)).Ack);
            // And a stale duplicate of an acknowledged one, as a confused agent might.
            replies.Add((await again.SendBatchAsync(batches[0])).Ack);

            Assert.Equal([true, false, false, true], replies.Select(r => r.Duplicate));
            var folded = await IngestServiceTests.FoldedAsync(platform, service);
            Assert.Equal(Enumerable.Range(1, 6).ToDictionary(i => $"main;step{i}", i => (long)i), folded);
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }
}
