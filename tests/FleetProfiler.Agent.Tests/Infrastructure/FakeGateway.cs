using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Status = Grpc.Core.Status;

namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>
/// An in-process stand-in for the gateway's ingest stream (same service and method names, same messages, HTTP/2 on
/// loopback), scripted by the test: what to answer to a hello and to each batch, when to break the stream, which
/// commands to push. Records everything the agent sent.
/// </summary>
public sealed class FakeGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Batch> _batches = new();
    private readonly ConcurrentQueue<Hello> _hellos = new();
    private readonly ConcurrentQueue<string> _authorizations = new();
    private readonly ConcurrentQueue<CommandResult> _results = new();
    private volatile Func<GatewayMessage, Task>? _send;
    private int _connections;

    /// <summary>Answer to a hello: null = Welcome with <see cref="Limits"/>; else the status the stream ends with.</summary>
    public Func<Hello, StatusCode?> OnHello { get; set; } = _ => null;

    /// <summary>Answer to a batch (its index over the whole run): an Ack, a Rejected, or null for no answer at all.</summary>
    public Func<Batch, int, GatewayMessage?> OnBatch { get; set; } = (b, _) => Ack(b.Sequence);

    /// <summary>Break the stream (as a crashing gateway would) after receiving this many batches in total; 0 = never.</summary>
    public int BreakAfterBatches { get; set; }

    public Limits Limits { get; set; } = new() { MaxBatchBytes = 4 << 20, MaxStrings = 200_000, MaxStringLength = 4096, MaxFramesPerStack = 1024, MaxStacks = 200_000, MaxSamples = 400_000 };

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    public int Connections => _connections;
    public IReadOnlyList<Batch> Batches => _batches.ToList();
    public IReadOnlyList<Hello> Hellos => _hellos.ToList();

    /// <summary>The <c>authorization</c> metadata of each stream, in order (empty when a stream carried none).</summary>
    public IReadOnlyList<string> Authorizations => _authorizations.ToList();
    public IReadOnlyList<CommandResult> CommandResults => _results.ToList();

    public static GatewayMessage Ack(ulong sequence, bool duplicate = false) => new() { Ack = new BatchAck { Sequence = sequence, Duplicate = duplicate } };

    public static GatewayMessage Reject(ulong sequence, string message) =>
        new() { Rejected = new BatchRejected { Sequence = sequence, Code = (int)StatusCode.InvalidArgument, Message = message } };

    private FakeGateway(int port)
    {
        Port = port;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new FakeIngestService(this));
        _app = builder.Build();
        _app.MapGrpcService<FakeIngestService>();
    }

    public static async Task<FakeGateway> StartAsync(int? port = null)
    {
        var gateway = new FakeGateway(port ?? FreePorts.Take(1)[0]);
        await gateway._app.StartAsync();
        return gateway;
    }

    /// <summary>Pushes a command down the current stream.</summary>
    public Task SendAsync(Command command) =>
        (_send ?? throw new InvalidOperationException("no agent is connected"))(new GatewayMessage { Command = command });

    public bool IsConnected => _send is not null;

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(deadline.Token);
        await _app.DisposeAsync();
    }

    private async Task ConnectAsync(IAsyncStreamReader<AgentMessage> requests, IServerStreamWriter<GatewayMessage> responses, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requests.MoveNext(ct) || requests.Current.BodyCase != AgentMessage.BodyOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "the first message must be a hello"));
        }
        var hello = requests.Current.Hello;
        _authorizations.Enqueue(context.RequestHeaders.GetValue("authorization") ?? "");
        _hellos.Enqueue(hello);
        Interlocked.Increment(ref _connections);
        if (OnHello(hello) is { } refusal)
        {
            throw new RpcException(new Status(refusal, "refused by the fake gateway"));
        }

        var writeLock = new SemaphoreSlim(1, 1);
        async Task Send(GatewayMessage message)
        {
            await writeLock.WaitAsync(ct);
            try
            {
                await responses.WriteAsync(message, ct);
            }
            finally
            {
                writeLock.Release();
            }
        }

        await Send(new GatewayMessage { Welcome = new Welcome { GatewayVersion = "fake", Limits = Limits } });
        _send = Send;
        try
        {
            while (await requests.MoveNext(ct))
            {
                var message = requests.Current;
                if (message.BodyCase == AgentMessage.BodyOneofCase.CommandResult)
                {
                    _results.Enqueue(message.CommandResult);
                    continue;
                }
                var index = _batches.Count;
                _batches.Enqueue(message.Batch);
                if (BreakAfterBatches > 0 && _batches.Count >= BreakAfterBatches)
                {
                    BreakAfterBatches = 0;
                    throw new RpcException(new Status(StatusCode.Unavailable, "the fake gateway broke the stream"));
                }
                if (OnBatch(message.Batch, index) is { } answer)
                {
                    await Send(answer);
                }
            }
        }
        finally
        {
            _send = null;
        }
    }

    private sealed class FakeIngestService(FakeGateway gateway) : Ingest.IngestBase
    {
        public override Task Connect(IAsyncStreamReader<AgentMessage> requests, IServerStreamWriter<GatewayMessage> responses, ServerCallContext context) =>
            gateway.ConnectAsync(requests, responses, context);
    }
}
