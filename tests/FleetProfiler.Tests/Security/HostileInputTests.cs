using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Tests.Security;

/// <summary>
/// Issue 10 item 7 over the real stream: each hostile input is rejected INVALID_ARGUMENT naming its field, nothing of it
/// is stored, and the same stream goes on to store the next batch.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class HostileInputTests(PlatformFixture platform)
{
    private static string NewService() => "hostile-" + Guid.NewGuid().ToString("N")[..8];
    private static ulong NewSequence() => (ulong)Random.Shared.NextInt64(1, long.MaxValue / 2);

    public static TheoryData<string, string> Inputs => new()
    {
        { "future-window", "window_end" },
        { "nanos-negative", "window_start is not normalised" },
        { "nanos-too-large", "window_end is not normalised" },
        { "seconds-past-9999", "window_end is not normalised" },
        { "interval-nan", "sampling_interval_ms" },
        { "interval-infinite", "sampling_interval_ms" },
        { "interval-negative-infinite", "sampling_interval_ms" },
        { "interval-absurd", "sampling_interval_ms" },
        { "sum-overflows", "samples[0].cpu_samples" },
        { "value-over-max-sum", "samples[0].alloc_bytes" },
        { "line-over-int", "locations[0].line" },
        { "route-minute-not-normalised", "route_minutes.minute is not normalised" },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task A_hostile_input_is_rejected_naming_the_field_stores_nothing_and_the_stream_goes_on(string input, string field)
    {
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = agent;
        var bad = Hostile(input, TestBatches.Cpu(NewSequence(), service, "host-c", TestBatches.Epoch, ("main;poison", 3), ("main;more", 1)));

        var reply = await agent.SendBatchAsync(bad);

        Assert.Equal(GatewayMessage.BodyOneofCase.Rejected, reply.BodyCase);
        Assert.Equal((int)StatusCode.InvalidArgument, reply.Rejected.Code);
        Assert.Equal(bad.Sequence, reply.Rejected.Sequence);
        Assert.Contains(field, reply.Rejected.Message);
        // The same stream stores the next batch; the rejected one left nothing behind.
        await agent.SendAckedAsync(TestBatches.Cpu(NewSequence(), service, "host-c", TestBatches.Epoch, ("main;good", 2)));
        Assert.Equal(new Dictionary<string, long> { ["main;good"] = 2 }, await Ingest.IngestServiceTests.FoldedAsync(platform, service));
    }

    /// <summary>
    /// A route flood: more distinct routes in one minute than the protocol allows (max_routes_per_minute, 1,000; an agent
    /// folds its own overflow into "[other routes]" long before) is refused whole, naming the field and the minute.
    /// </summary>
    [Fact]
    public async Task A_route_flood_over_the_per_minute_cap_is_rejected_naming_the_field_stores_nothing_and_the_stream_goes_on()
    {
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = agent;
        // A recent whole minute (route minutes are kept 48 h), then a later one in the same batch.
        var minute = DateTimeOffset.UnixEpoch.AddMinutes(Math.Floor((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalMinutes) - 10);
        Batch Routes(int routes, string prefix)
        {
            var b = new Batch
            {
                Sequence = NewSequence(),
                Service = service,
                Host = "host-c",
                WindowStart = Timestamp.FromDateTimeOffset(minute),
                WindowEnd = Timestamp.FromDateTimeOffset(minute.AddMinutes(2)),
            };
            b.RouteMinutes.AddRange(Enumerable.Range(0, routes).Select(i => new RouteMinute
            {
                // Small rows: 1,001 of them stay under the platform's 64 KiB batch limit (PlatformFixture.MaxBatchBytes).
                Minute = Timestamp.FromDateTimeOffset(minute),
                Method = "GET",
                Route = $"/{prefix}{i}",
                StatusClass = "2xx",
                Requests = 1,
            }));
            // The same routes again in the next minute count for that minute alone.
            b.RouteMinutes.AddRange(b.RouteMinutes.Take(2).Select(r => new RouteMinute(r) { Minute = Timestamp.FromDateTimeOffset(minute.AddMinutes(1)) }));
            return b;
        }

        var flood = Routes(1_001, "f");
        var reply = await agent.SendBatchAsync(flood);

        Assert.Equal(GatewayMessage.BodyOneofCase.Rejected, reply.BodyCase);
        Assert.Equal(((int)StatusCode.InvalidArgument, flood.Sequence), (reply.Rejected.Code, reply.Rejected.Sequence));
        Assert.Equal($"route_minutes[1000].route: more than 1000 routes in minute {minute:u} (max_routes_per_minute): fold the rest into [other routes]", reply.Rejected.Message);
        // At the cap the same stream stores the batch; nothing of the flood was stored.
        await agent.SendAckedAsync(Routes(1_000, "c"));
        var endpoints = await new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel).ListEndpointsAsync(new ListEndpointsRequest
        {
            Service = service,
            From = Timestamp.FromDateTimeOffset(minute),
            To = Timestamp.FromDateTimeOffset(minute.AddMinutes(2)),
        });
        Assert.Equal((1_000, 1_002L), (endpoints.Endpoints.Count, endpoints.Endpoints.Sum(e => e.Requests)));
        Assert.All(endpoints.Endpoints, e => Assert.StartsWith("/c", e.Route, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_gzip_bomb_ends_its_stream_resource_exhausted_and_the_gateway_serves_the_next()
    {
        var service = NewService();
        // 64 MB of one letter gzips to ~64 KB: under every limit on the wire, four times the 16 MiB cap once inflated.
        var bomb = TestBatches.Cpu(NewSequence(), service, "host-c", TestBatches.Epoch, ("main;bomb", 1));
        bomb.Strings.Add(new string('x', 64 * 1024 * 1024));
        using var call = new FleetProfiler.Protocol.V1.Ingest.IngestClient(platform.Channel).Connect(new Metadata
        {
            { "authorization", FleetProfiler.Protocol.ApiKeys.BearerHeader(PlatformFixture.TokenC) },
            { "grpc-internal-encoding-request", "gzip" },
        });
        await call.RequestStream.WriteAsync(TestBatches.Hello("agent-c", "host-c", PlatformFixture.TokenC, service));
        using var deadline = new CancellationTokenSource(TestTimeouts.Step);
        Assert.True(await call.ResponseStream.MoveNext(deadline.Token));
        Assert.Equal(GatewayMessage.BodyOneofCase.Welcome, call.ResponseStream.Current.BodyCase);

        try { await call.RequestStream.WriteAsync(bomb.Message()); } catch (RpcException) { } // the gateway may end the call mid-write
        var e = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext(deadline.Token)) { } });

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        var (next, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = next;
        await next.SendAckedAsync(TestBatches.Cpu(NewSequence(), service, "host-c", TestBatches.Epoch, ("main;after", 1)));
        Assert.Equal(new Dictionary<string, long> { ["main;after"] = 1 }, await Ingest.IngestServiceTests.FoldedAsync(platform, service));
    }

    [Fact]
    public async Task Bytes_that_are_not_an_agent_message_end_their_stream_invalid_argument_and_the_gateway_serves_the_next()
    {
        var service = NewService();
        // Ingest/Connect with raw request bytes: the gateway parses a message only once it is admitted.
        var connect = new Method<byte[], GatewayMessage>(MethodType.DuplexStreaming, "fleetprofiler.v1.Ingest", "Connect",
            Marshallers.Create(b => b, b => b), Marshallers.Create((GatewayMessage m) => m.ToByteArray(), GatewayMessage.Parser.ParseFrom));
        using var call = platform.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(connect, null,
            new CallOptions(new Metadata { { "authorization", FleetProfiler.Protocol.ApiKeys.BearerHeader(PlatformFixture.TokenC) } }));
        await call.RequestStream.WriteAsync(TestBatches.Hello("agent-c", "host-c", PlatformFixture.TokenC, service).ToByteArray());
        using var deadline = new CancellationTokenSource(TestTimeouts.Step);
        Assert.True(await call.ResponseStream.MoveNext(deadline.Token));
        Assert.Equal(GatewayMessage.BodyOneofCase.Welcome, call.ResponseStream.Current.BodyCase);

        // Field 2 (batch), length-delimited, claiming 100 bytes where 2 follow.
        try { await call.RequestStream.WriteAsync([0x12, 100, 1, 2]); } catch (RpcException) { }
        var e = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext(deadline.Token)) { } });

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("not an AgentMessage", e.Status.Detail);
        var (next, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = next;
        await next.SendAckedAsync(TestBatches.Cpu(NewSequence(), service, "host-c", TestBatches.Epoch, ("main;after", 1)));
        Assert.Equal(new Dictionary<string, long> { ["main;after"] = 1 }, await Ingest.IngestServiceTests.FoldedAsync(platform, service));
    }

    /// <summary>The batch with one hostile change.</summary>
    internal static Batch Hostile(string input, Batch b)
    {
        switch (input)
        {
            case "future-window":
                b.WindowStart = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1));
                b.WindowEnd = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1).AddSeconds(10));
                break;
            case "nanos-negative": b.WindowStart.Nanos = -1; break;
            case "nanos-too-large": b.WindowEnd.Nanos = 1_000_000_000; break;
            case "seconds-past-9999": b.WindowEnd.Seconds = 253_402_300_800; break;
            case "interval-nan": b.SamplingIntervalMs = double.NaN; break;
            case "interval-infinite": b.SamplingIntervalMs = double.PositiveInfinity; break;
            case "interval-negative-infinite": b.SamplingIntervalMs = double.NegativeInfinity; break;
            case "interval-absurd": b.SamplingIntervalMs = 1e12; break;
            case "sum-overflows":
                b.Samples[0].CpuSamples = long.MaxValue;
                b.Samples[1].CpuSamples = long.MaxValue;
                break;
            case "value-over-max-sum": b.Samples[0].AllocBytes = (1L << 47) + 1; break;
            case "line-over-int": b.Locations[0].Line = (uint)int.MaxValue + 1; break;
            case "route-minute-not-normalised":
                b = new Batch { Sequence = b.Sequence, Service = b.Service, Host = b.Host, WindowStart = b.WindowStart, WindowEnd = b.WindowEnd };
                b.RouteMinutes.Add(new RouteMinute { Minute = new Timestamp { Seconds = b.WindowStart.Seconds, Nanos = -5 }, Method = "GET", Route = "/a", Requests = 1 });
                break;
            default: throw new ArgumentOutOfRangeException(nameof(input), input, null);
        }
        return b;
    }
}
