using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace FleetProfiler.Cli.Tests.Infrastructure;

/// <summary>An agent at the protocol level: one Ingest/Connect stream, Hello then Batches, each answered before the next.</summary>
internal sealed class SeedAgent : IAsyncDisposable
{
    private static readonly TimeSpan ReplyDeadline = TimeSpan.FromSeconds(60);
    private readonly AsyncDuplexStreamingCall<AgentMessage, GatewayMessage> _call;
    private ulong _sequence;

    private SeedAgent(AsyncDuplexStreamingCall<AgentMessage, GatewayMessage> call) => _call = call;

    public static async Task<SeedAgent> ConnectAsync(GrpcChannel channel, string agentId, string host, string token, params string[] services)
    {
        var agent = new SeedAgent(new Ingest.IngestClient(channel).Connect());
        var hello = new Hello { AgentId = agentId, Host = host, Token = token, AgentVersion = "cli-test-1.0" };
        hello.Services.AddRange(services);
        await agent._call.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
        var welcome = await agent.ReceiveAsync();
        if (welcome.BodyCase != GatewayMessage.BodyOneofCase.Welcome) throw new InvalidOperationException($"expected a Welcome, got {welcome.BodyCase}");
        return agent;
    }

    /// <summary>Sends one 10-second cpu+wall window of folded-style stacks ("a;b;c", samples) and waits for its ack.</summary>
    public Task SendWindowAsync(string service, string host, DateTimeOffset start, params (string Stack, long Samples)[] stacks) =>
        SendAsync(Window(++_sequence, service, host, start, stacks));

    /// <summary>Sends one 10-second alloc window: each allocation site stack ("a;b", b allocates) with its type, bytes and count.</summary>
    public Task SendAllocWindowAsync(string service, string host, DateTimeOffset start, params (string Stack, string Type, long Bytes, long Count)[] allocations) =>
        SendAsync(Window(++_sequence, service, host, start, ["alloc"],
            allocations.Select(a => (a.Stack, (string?)a.Type, new Sample { AllocBytes = a.Bytes, AllocCount = a.Count }))));

    private async Task SendAsync(Batch batch)
    {
        await _call.RequestStream.WriteAsync(new AgentMessage { Batch = batch });
        var reply = await ReceiveAsync();
        if (reply.BodyCase != GatewayMessage.BodyOneofCase.Ack)
            throw new InvalidOperationException($"batch {batch.Sequence} not acked: {reply}");
    }

    public async Task<GatewayMessage> ReceiveAsync()
    {
        using var deadline = new CancellationTokenSource(ReplyDeadline);
        if (!await _call.ResponseStream.MoveNext(deadline.Token)) throw new InvalidOperationException("the gateway ended the stream");
        return _call.ResponseStream.Current;
    }

    /// <summary>The wire batch an agent builds: strings[0] = "", interned functions and locations, stacks root first.</summary>
    public static Batch Window(ulong sequence, string service, string host, DateTimeOffset start, params (string Stack, long Samples)[] stacks) =>
        Window(sequence, service, host, start, ["cpu", "wall"],
            stacks.Select(s => (s.Stack, (string?)null, new Sample { CpuSamples = s.Samples, WallSamples = s.Samples })));

    private static Batch Window(ulong sequence, string service, string host, DateTimeOffset start, string[] kinds, IEnumerable<(string Stack, string? Type, Sample Sample)> samples)
    {
        var b = new Batch
        {
            Sequence = sequence,
            Service = service,
            Host = host,
            Pid = 4242,
            ProcessName = service,
            WindowStart = Timestamp.FromDateTimeOffset(start),
            WindowEnd = Timestamp.FromDateTimeOffset(start.AddSeconds(10)),
            SamplingIntervalMs = 1,
            RuntimeVersion = "10.0.0",
        };
        b.Kinds.AddRange(kinds);
        b.Strings.Add("");
        var strings = new Dictionary<string, uint> { [""] = 0 };
        var locations = new Dictionary<string, uint>();
        uint String(string s)
        {
            if (!strings.TryGetValue(s, out var i)) { strings[s] = i = (uint)b.Strings.Count; b.Strings.Add(s); }
            return i;
        }
        uint Location(string function)
        {
            if (!locations.TryGetValue(function, out var i))
            {
                // "app!Orders.Get" lives in "Orders.cs".
                var file = function[(function.IndexOf('!') + 1)..].Split('.')[0] + ".cs";
                b.Functions.Add(new Function { Name = String(function), File = String(file) });
                locations[function] = i = (uint)b.Locations.Count;
                b.Locations.Add(new Location { Function = (uint)b.Functions.Count - 1, Line = 10 + i });
            }
            return i;
        }
        foreach (var (stack, type, sample) in samples)
        {
            var s = new Stack();
            foreach (var frame in stack.Split(';')) s.Locations.Add(Location(frame));
            sample.Stack = (uint)b.Stacks.Count;
            if (type is not null) sample.AllocatedType = String(type);
            b.Samples.Add(sample);
            b.Stacks.Add(s);
        }
        return b;
    }

    public async ValueTask DisposeAsync()
    {
        try { await _call.RequestStream.CompleteAsync(); } catch (Exception e) when (e is RpcException or InvalidOperationException) { }
        _call.Dispose();
    }
}
