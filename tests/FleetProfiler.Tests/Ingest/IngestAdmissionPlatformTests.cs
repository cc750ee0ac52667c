using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Tests.Ingest;

/// <summary>
/// The gateway-wide bound on batches in flight (Ingest:MaxBatchesInFlight), through a real single-node platform
/// process: over the limit streams wait for a slot, and every batch is still acked exactly once afterwards.
/// </summary>
public sealed class IngestAdmissionPlatformTests
{
    [Fact]
    public async Task Batches_over_the_limit_wait_for_a_slot_and_each_is_then_acked_once()
    {
        const int perAgent = 3;
        AgentCredential[] agents = [PlatformFixture.AgentA, PlatformFixture.AgentB, PlatformFixture.AgentC];
        // One slot; the first batch admitted keeps it until the other two streams' batches wait for it (HoldFirstAdmissionUntilWaiting = 2).
        await using var platform = await PlatformFixture.StartAsync(new Dictionary<string, string>
        {
            ["Ingest:MaxBatchesInFlight"] = "1",
            ["Ingest:HoldFirstAdmissionUntilWaiting"] = "2",
        });
        var service = "admission-" + Guid.NewGuid().ToString("N")[..8];
        var streams = new List<AgentStream>();
        try
        {
            foreach (var agent in agents)
                streams.Add((await AgentStream.ConnectAsync(platform.Channel, agent.AgentId, agent.Host, agent.Token, service)).Stream);

            // Every agent sends all its batches without waiting for an ack (as the agent does up to Agent:MaxBatchesInFlight).
            var batches = agents.Select(a => Enumerable.Range(1, perAgent)
                .Select(i => TestBatches.Cpu((ulong)i, service, a.Host, TestBatches.Epoch.AddSeconds(10 * i), ($"main;{a.AgentId};step{i}", i)))
                .ToArray()).ToArray();
            for (var a = 0; a < agents.Length; a++)
                foreach (var b in batches[a]) await streams[a].SendAsync(b.Message());

            // The held slot is only given back once the other streams wait: each stream's answers arrive in order, all acks.
            for (var a = 0; a < agents.Length; a++)
            {
                foreach (var b in batches[a])
                {
                    var reply = await streams[a].ReceiveAsync();
                    Assert.Equal(GatewayMessage.BodyOneofCase.Ack, reply.BodyCase);
                    Assert.Equal(b.Sequence, reply.Ack.Sequence);
                    Assert.False(reply.Ack.Duplicate);
                }
            }

            var status = (await new Status.StatusClient(platform.Channel).GetStatusAsync(new GetStatusRequest())).Ingest;
            Assert.Equal(1, status.MaxBatchesInFlight);
            Assert.Equal(1, status.PeakBatchesInFlight);
            Assert.Equal(agents.Length * perAgent, status.BatchesAdmitted);
            Assert.True(status.BatchesAdmittedAfterWaiting >= agents.Length - 1, $"{status.BatchesAdmittedAfterWaiting} batches waited for a slot");
            // A slot is given back before its batch's answer is written.
            Assert.Equal(0, status.BatchesInFlight);
            Assert.Equal(0, status.BatchesWaiting);
            Assert.Equal(agents.Length, status.AgentStreams);

            // Exactly once: every window's samples counted once.
            var folded = await IngestServiceTests.FoldedAsync(platform, service);
            Assert.Equal(agents.SelectMany(a => Enumerable.Range(1, perAgent).Select(i => (Stack: $"main;{a.AgentId};step{i}", Samples: (long)i)))
                .ToDictionary(x => x.Stack, x => x.Samples), folded);
        }
        finally
        {
            foreach (var s in streams) await s.DisposeAsync();
        }
    }
}
