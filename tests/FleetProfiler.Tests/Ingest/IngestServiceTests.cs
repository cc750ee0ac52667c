using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Tests.Ingest;

/// <summary>The agent stream over real gRPC on loopback, into a real single-node platform process.</summary>
[Collection(PlatformCollection.Name)]
public sealed class IngestServiceTests(PlatformFixture platform)
{
    private static string NewService() => "svc-" + Guid.NewGuid().ToString("N")[..8];
    private static ulong NewSequence() => (ulong)Random.Shared.NextInt64(1, long.MaxValue / 2);

    internal static async Task<Dictionary<string, long>> FoldedAsync(PlatformFixture platform, string service, string? host = null)
    {
        var reply = await new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel).GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = service, Host = host ?? "" },
            From = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddDays(-1)),
            To = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddDays(1)),
            Kind = "cpu",
            Format = "folded",
        });
        return reply.Data.ToStringUtf8().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (Stack: l[..l.LastIndexOf(' ')], Value: long.Parse(l[(l.LastIndexOf(' ') + 1)..])))
            .ToDictionary(x => StripLocations(x.Stack), x => x.Value);
    }

    /// <summary>Folded frames carry "(file:line)"; tests compare function names.</summary>
    private static string StripLocations(string stack) =>
        string.Join(';', stack.Split(';').Select(f => f.Contains(" (") ? f[..f.IndexOf(" (", StringComparison.Ordinal)] : f));

    private static async Task<StatusCode> QueryStatusAsync(PlatformFixture platform, string service)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => FoldedAsync(platform, service));
        return e.StatusCode;
    }

    [Fact]
    public async Task A_valid_batch_is_acknowledged_and_its_stacks_are_queryable()
    {
        var service = NewService();
        var (agent, welcome) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;
        Assert.Equal(PlatformFixture.MaxBatchBytes, welcome.Limits.MaxBatchBytes);
        var seq = NewSequence();

        var reply = await agent.SendBatchAsync(TestBatches.Cpu(seq, service, "host-a", TestBatches.Epoch, ("main;work;hash", 5), ("main;work;sort", 3), ("main;idle", 1)));

        Assert.Equal(GatewayMessage.BodyOneofCase.Ack, reply.BodyCase);
        Assert.Equal((seq, false), (reply.Ack.Sequence, reply.Ack.Duplicate));
        var folded = await FoldedAsync(platform, service);
        Assert.Equal(new Dictionary<string, long> { ["main;work;hash"] = 5, ["main;work;sort"] = 3, ["main;idle"] = 1 }, folded);

        var top = await new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel).TopFunctionsAsync(new TopRequest
        {
            Selector = new Selector { Service = service, Host = "host-a" },
            From = Timestamp.FromDateTimeOffset(TestBatches.Epoch),
            To = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddMinutes(1)),
            Kind = "cpu",
        });
        Assert.Equal(9, top.Total);
        Assert.Equal("hash", top.Entries[0].Name);
        Assert.Equal(5.0 / 9, top.Entries[0].SelfShare, 6);
        Assert.Equal(8, top.Entries.Single(e => e.Name == "work").Total);
    }

    [Fact]
    public async Task A_resent_batch_is_acknowledged_as_duplicate_and_counted_once()
    {
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;
        var batch = TestBatches.Cpu(NewSequence(), service, "host-a", TestBatches.Epoch, ("main;work", 7));

        Assert.False((await agent.SendBatchAsync(batch)).Ack.Duplicate);
        Assert.True((await agent.SendBatchAsync(batch)).Ack.Duplicate);

        Assert.Equal(7, (await FoldedAsync(platform, service))["main;work"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token-of-anyone")]
    public async Task Unknown_or_missing_token_ends_the_stream_unauthenticated_and_registers_nothing(string token)
    {
        var service = NewService();
        await using var agent = AgentStream.Open(platform.Channel, token);
        // The call may be refused before the hello is written (the credential is checked first): either way it ends so.
        await agent.TrySendAsync(TestBatches.Hello("agent-a", "host-a", token, service));
        var e = await agent.ExpectEndAsync();
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Equal(StatusCode.NotFound, await QueryStatusAsync(platform, service));
    }

    [Fact]
    public async Task A_token_used_for_another_host_is_permission_denied()
    {
        await using var agent = AgentStream.Open(platform.Channel, PlatformFixture.TokenA);
        await agent.SendAsync(TestBatches.Hello("agent-a", "host-b", PlatformFixture.TokenA, NewService()));
        var e = await agent.ExpectEndAsync();
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("host-a", e.Status.Detail);
    }

    [Fact]
    public async Task A_batch_for_another_host_is_rejected_and_the_stream_goes_on()
    {
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using var _ = agent;

        var reply = await agent.SendBatchAsync(TestBatches.Cpu(NewSequence(), service, "host-a", TestBatches.Epoch, ("x;y", 1)));
        Assert.Equal(GatewayMessage.BodyOneofCase.Rejected, reply.BodyCase);
        Assert.Equal((int)StatusCode.PermissionDenied, reply.Rejected.Code);

        Assert.Equal(GatewayMessage.BodyOneofCase.Ack, (await agent.SendBatchAsync(TestBatches.Cpu(NewSequence(), service, "host-b", TestBatches.Epoch, ("x;z", 2)))).BodyCase);
        Assert.Equal(new Dictionary<string, long> { ["x;z"] = 2 }, await FoldedAsync(platform, service));
    }

    [Fact]
    public async Task An_oversized_batch_is_rejected_naming_the_limit_and_nothing_of_it_is_applied()
    {
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = agent;
        var stacks = Enumerable.Range(0, 3000).Select(i => ($"main;fn{i};leaf{i}", 1L)).ToArray();

        var reply = await agent.SendBatchAsync(TestBatches.Cpu(NewSequence(), service, "host-c", TestBatches.Epoch, stacks));

        Assert.Equal(GatewayMessage.BodyOneofCase.Rejected, reply.BodyCase);
        Assert.Equal((int)StatusCode.InvalidArgument, reply.Rejected.Code);
        Assert.Contains("max_batch_bytes", reply.Rejected.Message);
        Assert.Equal(StatusCode.NotFound, await QueryStatusAsync(platform, service));
    }

    public static TheoryData<string, string> Malformations => new()
    {
        { "stack-index", "samples[0].stack" },
        { "location-index", "stacks[0] refers to location" },
        { "string-index", "functions[0].name" },
        { "first-string", "strings[0]" },
        { "negative", "negative value" },
        { "kind", "unknown kind" },
        { "inverted-window", "window_end is before window_start" },
        { "no-sequence", "sequence" },
        { "long-string", "max_string_length" },
        { "deep-stack", "max_frames_per_stack" },
        { "endpoint-empty", "samples[0] label 'endpoint' is empty" },
        { "endpoint-line-break", "samples[0] label 'endpoint' holds a control character" },
        { "endpoint-twice", "samples[0] has more than one 'endpoint' label" },
        { "label-index", "samples[0] has a label that is not a string index" },
        { "attribution-method", "attribution.method" },
        { "attribution-negative", "attribution.samples_in_requests is negative" },
    };

    [Theory]
    [MemberData(nameof(Malformations))]
    public async Task A_malformed_batch_is_rejected_naming_the_field_and_nothing_is_applied(string malformation, string expected)
    {
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = agent;
        var b = TestBatches.Cpu(NewSequence(), service, "host-c", TestBatches.Epoch, ("main;work", 3));
        switch (malformation)
        {
            case "stack-index": b.Samples[0].Stack = 99; break;
            case "location-index": b.Stacks[0].Locations.Add(99); break;
            case "string-index": b.Functions[0].Name = 999; break;
            case "first-string": b.Strings[0] = "x"; break;
            case "negative": b.Samples[0].CpuSamples = -1; break;
            case "kind": b.Kinds.Add("gpu"); break;
            case "inverted-window": b.WindowEnd = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddSeconds(-1)); break;
            case "no-sequence": b.Sequence = 0; break;
            case "long-string": b.Strings.Add(new string('x', 5000)); break;
            case "deep-stack": for (var i = 0; i < 1100; i++) b.Stacks[0].Locations.Add(0); break;
            case "endpoint-empty": b.WithEndpoints(" "); break;
            case "endpoint-line-break": b.WithEndpoints("GET /a\nmain;forged 99"); break;
            case "endpoint-twice": b.WithEndpoints("GET /a").Samples[0].Labels.Add(b.Samples[0].Labels[0]); break;
            case "label-index": b.WithEndpoints("GET /a").Samples[0].Labels[0].Value = 999; break;
            case "attribution-method": b.WithEndpoints("GET /a").Attribution.Method = "guess"; break;
            case "attribution-negative": b.WithEndpoints("GET /a").Attribution.SamplesInRequests = -1; break;
        }

        var reply = await agent.SendBatchAsync(b);

        Assert.Equal(GatewayMessage.BodyOneofCase.Rejected, reply.BodyCase);
        Assert.Equal((int)StatusCode.InvalidArgument, reply.Rejected.Code);
        Assert.Contains(expected, reply.Rejected.Message);
        Assert.Equal(StatusCode.NotFound, await QueryStatusAsync(platform, service));
    }

    [Fact]
    public async Task A_message_over_the_transport_cap_ends_the_stream_resource_exhausted()
    {
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = agent;
        var b = TestBatches.Cpu(NewSequence(), service, "host-c", TestBatches.Epoch, ("main;work", 3));
        b.Strings.Add(new string('x', 17 * 1024 * 1024));

        // The server may reset the stream while the client is still writing; the status is what it answered.
        try { await agent.SendAsync(b.Message()); } catch (RpcException) { }
        var e = await agent.ExpectEndAsync();

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal(StatusCode.NotFound, await QueryStatusAsync(platform, service));
    }

    [Fact]
    public async Task A_stream_that_does_not_start_with_hello_fails_precondition()
    {
        await using var agent = AgentStream.Open(platform.Channel, PlatformFixture.TokenA);
        await agent.SendAsync(TestBatches.Cpu(1, NewService(), "host-a", TestBatches.Epoch, ("a", 1)).Message());
        Assert.Equal(StatusCode.FailedPrecondition, (await agent.ExpectEndAsync()).StatusCode);
    }

    [Fact]
    public async Task Trigger_reaches_the_connected_agent_as_a_command()
    {
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using var _ = agent;
        var query = new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel);

        var hosts = await query.ListHostsAsync(new ListHostsRequest { Service = service });
        Assert.True(Assert.Single(hosts.Hosts).Connected);
        var trigger = await query.TriggerAsync(new TriggerRequest { Service = service, Host = "host-b", Kind = "alloc", Pid = 77, Seconds = 15 });

        var command = await agent.ReceiveAsync();
        Assert.Equal(GatewayMessage.BodyOneofCase.Command, command.BodyCase);
        Assert.Equal((trigger.CommandId, Command.Types.Action.Start, "alloc", 77, 15),
            (command.Command.Id, command.Command.Action, command.Command.Kind, command.Command.Pid, command.Command.Seconds));
    }

    [Fact]
    public async Task Trigger_for_a_host_never_seen_is_not_found()
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel)
            .TriggerAsync(new TriggerRequest { Service = NewService(), Host = "ghost", Kind = "cpu", Seconds = 5 }));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Contains("host", e.Status.Detail);
    }
}
