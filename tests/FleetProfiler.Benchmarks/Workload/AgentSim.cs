using System.Diagnostics;
using FleetProfiler.Benchmarks.Infrastructure;
using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace FleetProfiler.Benchmarks.Workload;

/// <summary>One window to send: header (sequence, host, times) + a prebuilt body.</summary>
public readonly record struct Outgoing(ulong Sequence, byte[] Header, WindowBody Body);

/// <summary>What all simulated agents saw; latencies are recorded only while <see cref="Recording"/> is set.</summary>
public sealed class IngestCounters
{
    public long Sent, Acked, Duplicates, Rejected, ThreadSamples, Bytes, SelfContainedBytes, StreamErrors;
    public volatile bool Recording;
    private readonly List<double> _latencyMs = [];
    private readonly List<string> _errors = [];

    public void Ack(WindowBody body, double latencyMs, bool duplicate)
    {
        Interlocked.Increment(ref Acked);
        if (duplicate) Interlocked.Increment(ref Duplicates);
        Interlocked.Add(ref ThreadSamples, body.ThreadSamples);
        Interlocked.Add(ref Bytes, body.Bytes.Length);
        Interlocked.Add(ref SelfContainedBytes, body.SelfContainedBytes);
        if (Recording) lock (_latencyMs) _latencyMs.Add(latencyMs);
    }

    public void Error(string message)
    {
        lock (_errors) if (_errors.Count < 20) _errors.Add(message);
    }

    public IReadOnlyList<string> Errors { get { lock (_errors) return [.. _errors]; } }

    public List<double> SortedLatencies() { lock (_latencyMs) { var l = _latencyMs.ToList(); l.Sort(); return l; } }
}

/// <summary>
/// A simulated agent on the real protocol: one Ingest/Connect stream, a hello with its own token, then batches and their
/// acks (the gateway applies a stream's batches in order, one at a time, and acks each once durable).
/// </summary>
public sealed class AgentSim(AgentCredential credential, string service, GrpcChannel channel) : IAsyncDisposable
{
    private AsyncDuplexStreamingCall<RawAgentMessage, GatewayMessage>? _call;
    private readonly Queue<(Outgoing Item, long SentAt)> _pending = new();

    public AgentCredential Credential => credential;
    public string Service => service;
    public Limits? Limits { get; private set; }

    public async Task ConnectAsync()
    {
        _call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(RawIngest.Connect, null,
            new CallOptions(new Metadata { { "authorization", ApiKeys.BearerHeader(credential.Token) } }));
        var hello = new Hello { AgentId = credential.AgentId, Host = credential.Host, Token = credential.Token, AgentVersion = "bench" };
        hello.Services.Add(service);
        await _call.RequestStream.WriteAsync(RawAgentMessage.Of(new AgentMessage { Hello = hello }));
        var first = await ReceiveAsync(TimeSpan.FromSeconds(120));
        if (first.BodyCase != GatewayMessage.BodyOneofCase.Welcome) throw new InvalidOperationException($"expected a welcome, got {first.BodyCase}");
        Limits = first.Welcome.Limits;
    }

    /// <summary>
    /// Closed loop: keeps <paramref name="inflight"/> batches outstanding, sending the next one on each ack, until
    /// <paramref name="next"/> returns null or <paramref name="stop"/> fires; then waits for the outstanding acks.
    /// </summary>
    public async Task RunClosedLoopAsync(Func<Outgoing?> next, int inflight, IngestCounters counters, CancellationToken stop)
    {
        try
        {
            for (var i = 0; i < inflight && !stop.IsCancellationRequested; i++)
                if (!await SendNextAsync()) break;
            while (_pending.Count > 0)
            {
                if (!await HandleReplyAsync(counters)) continue;
                if (!stop.IsCancellationRequested) await SendNextAsync();
            }
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or OperationCanceledException)
        {
            Interlocked.Increment(ref counters.StreamErrors);
            counters.Error($"{credential.AgentId}: {e.GetType().Name}: {e.Message}");
        }

        async Task<bool> SendNextAsync()
        {
            if (next() is not { } item) return false;
            await SendAsync(item, counters);
            return true;
        }
    }

    /// <summary>Open loop, real time: one window every <paramref name="period"/> from <paramref name="phase"/> on, whatever the acks do.</summary>
    public async Task RunPacedAsync(Func<Outgoing> next, TimeSpan phase, TimeSpan period, IngestCounters counters, CancellationToken stop)
    {
        var reader = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested || PendingCount() > 0)
                    await HandleReplyAsync(counters);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or OperationCanceledException)
            {
                if (!stop.IsCancellationRequested || PendingCount() > 0)
                {
                    Interlocked.Increment(ref counters.StreamErrors);
                    counters.Error($"{credential.AgentId}: {e.GetType().Name}: {e.Message}");
                }
            }
        });
        try
        {
            await Task.Delay(phase, stop);
            using var timer = new PeriodicTimer(period);
            do await SendAsync(next(), counters);
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) { }
        // Let the last windows' acks arrive (bounded), then end the stream so the reader finishes.
        var drain = Stopwatch.StartNew();
        while (PendingCount() > 0 && drain.Elapsed < TimeSpan.FromSeconds(60) && !reader.IsCompleted) await Task.Delay(100);
        await CompleteAsync();
        await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    public int PendingCount() { lock (_pending) return _pending.Count; }

    private async Task SendAsync(Outgoing item, IngestCounters counters)
    {
        lock (_pending) _pending.Enqueue((item, Stopwatch.GetTimestamp()));
        Interlocked.Increment(ref counters.Sent);
        await _call!.RequestStream.WriteAsync(RawAgentMessage.Batch(item.Header, item.Body.Bytes));
    }

    /// <summary>Reads one reply; true when it answered a batch (ack or rejection).</summary>
    private async Task<bool> HandleReplyAsync(IngestCounters counters)
    {
        var reply = await ReceiveAsync(TimeSpan.FromSeconds(180));
        if (reply.BodyCase is not (GatewayMessage.BodyOneofCase.Ack or GatewayMessage.BodyOneofCase.Rejected)) return false;
        (Outgoing Item, long SentAt) sent;
        lock (_pending) sent = _pending.Dequeue();
        var sequence = reply.BodyCase == GatewayMessage.BodyOneofCase.Ack ? reply.Ack.Sequence : reply.Rejected.Sequence;
        if (sequence != sent.Item.Sequence) throw new InvalidOperationException($"reply for sequence {sequence}, expected {sent.Item.Sequence}");
        if (reply.BodyCase == GatewayMessage.BodyOneofCase.Ack)
        {
            counters.Ack(sent.Item.Body, Stopwatch.GetElapsedTime(sent.SentAt).TotalMilliseconds, reply.Ack.Duplicate);
        }
        else
        {
            Interlocked.Increment(ref counters.Rejected);
            counters.Error($"{credential.AgentId}: batch {sequence} rejected ({reply.Rejected.Code}): {reply.Rejected.Message}");
        }
        return true;
    }

    private async Task<GatewayMessage> ReceiveAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        if (!await _call!.ResponseStream.MoveNext(deadline.Token))
            throw new InvalidOperationException("the gateway ended the stream");
        return _call.ResponseStream.Current;
    }

    public async Task CompleteAsync()
    {
        if (_call is null) return;
        try { await _call.RequestStream.CompleteAsync(); } catch (Exception e) when (e is RpcException or InvalidOperationException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await CompleteAsync();
        _call?.Dispose();
    }
}
