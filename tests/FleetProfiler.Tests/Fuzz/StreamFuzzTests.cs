using FleetProfiler.Gateway.Ingest;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit.Abstractions;

namespace FleetProfiler.Tests.Fuzz;

/// <summary>
/// Issue 10's fuzz proof over the real stream: thousands of mutated batches from one agent into the real gateway and
/// silo. Every batch is answered (ack or rejection) on the same stream, which never dies, and the stored totals equal
/// exactly what the acked windows carried: nothing of a rejected batch is stored.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class StreamFuzzTests(PlatformFixture platform, ITestOutputHelper output)
{
    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("FLEETPROFILER_STREAM_FUZZ_CASES"), out var n) && n > 0 ? n : 3_000;

    private static readonly DateTimeOffset From = TestBatches.Epoch.AddHours(-1);
    private static readonly DateTimeOffset To = TestBatches.Epoch.AddHours(1);

    [Fact]
    public async Task Thousands_of_mutated_batches_never_end_the_stream_and_only_acked_windows_are_stored()
    {
        var service = "fuzz-" + Guid.NewGuid().ToString("N")[..8];
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = agent;
        var mutator = new BatchMutator(20261130);
        var random = new Random(20261130);
        var codes = new Dictionary<string, int>();
        long cpu = 0, allocBytes = 0;
        var windows = 0;
        var sequence = (ulong)Random.Shared.NextInt64(1, long.MaxValue / 4);
        var sent = 0;
        while (sent < Cases)
        {
            Batch batch;
            try
            {
                batch = Batch.Parser.ParseFrom(mutator.Next().Bytes);
            }
            catch (InvalidProtocolBufferException)
            {
                continue; // not a batch: the typed client cannot send it (gRPC refuses such bytes itself)
            }
            batch.Service = service;
            batch.Sequence = ++sequence;
            if (random.Next(20) != 0) batch.Host = "host-c"; // else a host mutation: PERMISSION_DENIED
            if (batch.CalculateSize() > PlatformFixture.MaxBatchBytes) continue;
            sent++;

            GatewayMessage reply;
            try
            {
                reply = await agent.SendBatchAsync(batch);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                Assert.Fail($"the stream died at case {sent} ({e.Message}); the batch was {batch}");
                return;
            }
            var answer = reply.BodyCase == GatewayMessage.BodyOneofCase.Ack ? "ack" : ((StatusCode)reply.Rejected.Code).ToString();
            codes[answer] = codes.GetValueOrDefault(answer) + 1;
            Assert.Equal(batch.Sequence, reply.BodyCase == GatewayMessage.BodyOneofCase.Ack ? reply.Ack.Sequence : reply.Rejected.Sequence);
            if (reply.BodyCase == GatewayMessage.BodyOneofCase.Ack && IsWindow(batch) && batch.WindowStart.ToDateTimeOffset() is var start && start >= From && start < To)
            {
                var total = BatchTranslator.ToTree(batch).Total;
                cpu += total.CpuSamples;
                allocBytes += total.AllocBytes;
                windows++;
            }
        }
        output.WriteLine($"stream fuzz: {sent} batches, " + string.Join(", ", codes.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));

        // A batch the validator did not foresee would surface as INTERNAL: there must be none.
        Assert.False(codes.ContainsKey(nameof(StatusCode.Internal)), $"{codes.GetValueOrDefault(nameof(StatusCode.Internal))} batch(es) failed while being applied");
        Assert.True(codes.GetValueOrDefault("ack") > Cases / 50 && codes.GetValueOrDefault(nameof(StatusCode.InvalidArgument)) > Cases / 4, "the mutations reach neither acks nor rejections");
        var stored = await QueryAsync(service, "cpu");
        Assert.Equal((windows, cpu), (stored.Windows, stored.Total));
        Assert.Equal(allocBytes, (await QueryAsync(service, "alloc")).Total);
    }

    private static bool IsWindow(Batch b) => b.Coverage is null && b.HeapSnapshot is null && b.RouteMinutes.Count == 0;

    private async Task<ProfileReply> QueryAsync(string service, string kind) =>
        await new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel).GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = service },
            From = Timestamp.FromDateTimeOffset(From),
            To = Timestamp.FromDateTimeOffset(To),
            Kind = kind,
            Format = "folded",
        });
}
