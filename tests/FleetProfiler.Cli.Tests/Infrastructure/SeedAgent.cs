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
    public async Task SendWindowAsync(string service, string host, DateTimeOffset start, params (string Stack, long Samples)[] stacks)
    {
        var batch = Window(++_sequence, service, host, start, stacks);
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
    public static Batch Window(ulong sequence, string service, string host, DateTimeOffset start, params (string Stack, long Samples)[] stacks)
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
        b.Kinds.Add("cpu");
        b.Kinds.Add("wall");
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
        foreach (var (stack, samples) in stacks)
        {
            var s = new Stack();
            foreach (var frame in stack.Split(';')) s.Locations.Add(Location(frame));
            b.Samples.Add(new Sample { Stack = (uint)b.Stacks.Count, CpuSamples = samples, WallSamples = samples });
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
