using FleetProfiler.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace FleetProfiler.Testing;

/// <summary>A protocol-level agent: one Ingest/Connect stream, driven message by message.</summary>
public sealed class AgentStream : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<AgentMessage, GatewayMessage> _call;
    private int _disposed;

    private AgentStream(AsyncDuplexStreamingCall<AgentMessage, GatewayMessage> call) => _call = call;

    public static async Task<(AgentStream Stream, Welcome Welcome)> ConnectAsync(GrpcChannel channel, string agentId, string host, string token, params string[] services)
    {
        var stream = Open(channel, token);
        await stream.SendAsync(TestBatches.Hello(agentId, host, token, services));
        var first = await stream.ReceiveAsync();
        if (first.BodyCase != GatewayMessage.BodyOneofCase.Welcome)
        {
            throw new InvalidOperationException($"expected a Welcome, got {first}");
        }
        return (stream, first.Welcome);
    }

    /// <summary>Opens the stream with <paramref name="key"/> as its bearer credential (null: the channel's own, if any).</summary>
    public static AgentStream Open(GrpcChannel channel, string? key) =>
        new(new FleetProfiler.Protocol.V1.Ingest.IngestClient(channel).Connect(
            key is null ? null : new Metadata { { "authorization", FleetProfiler.Protocol.ApiKeys.BearerHeader(key) } }));

    public Task SendAsync(AgentMessage message) => _call.RequestStream.WriteAsync(message);

    /// <summary>
    /// Sends a message to a gateway that may already have ended the call (a refused credential ends it before the
    /// hello is read: the write then races the end). False when the call was over; its status is for
    /// <see cref="ExpectEndAsync"/>.
    /// </summary>
    public async Task<bool> TrySendAsync(AgentMessage message)
    {
        try
        {
            await _call.RequestStream.WriteAsync(message);
            return true;
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            return false;
        }
    }

    public async Task<GatewayMessage> ReceiveAsync()
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Step);
        if (!await _call.ResponseStream.MoveNext(deadline.Token))
        {
            throw new InvalidOperationException("the gateway ended the stream");
        }
        return _call.ResponseStream.Current;
    }

    /// <summary>Sends a batch and returns the gateway's answer to it (ack or rejection).</summary>
    public async Task<GatewayMessage> SendBatchAsync(Batch batch)
    {
        await SendAsync(batch.Message());
        var reply = await ReceiveAsync();
        return reply.BodyCase is GatewayMessage.BodyOneofCase.Ack or GatewayMessage.BodyOneofCase.Rejected
            ? reply
            : throw new InvalidOperationException($"batch {batch.Sequence}: expected an ack or a rejection, got {reply}");
    }

    /// <summary>Sends a batch that must be acked (seeding data for a test).</summary>
    public async Task SendAckedAsync(Batch batch)
    {
        var reply = await SendBatchAsync(batch);
        if (reply.BodyCase != GatewayMessage.BodyOneofCase.Ack)
        {
            throw new InvalidOperationException($"batch {batch.Sequence} not acked: {reply}");
        }
    }

    /// <summary>The status the gateway ended the stream with.</summary>
    public async Task<RpcException> ExpectEndAsync()
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Step);
        try
        {
            while (await _call.ResponseStream.MoveNext(deadline.Token))
            {
            }
        }
        catch (RpcException e)
        {
            return e;
        }
        throw new InvalidOperationException("the gateway ended the stream without an error status");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return; // tests dispose explicitly (to end a stream) and again by `await using`
        }
        try
        {
            await _call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The gateway already ended the stream.
        }
        // Read to the gateway's end of the stream: its handler has then returned and given back the stream's slot,
        // so the next stream of the same agent id is never refused by MaxStreamsPerAgent because this one lingers.
        using var deadline = new CancellationTokenSource(TestTimeouts.Step);
        try
        {
            while (await _call.ResponseStream.MoveNext(deadline.Token))
            {
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or ObjectDisposedException)
        {
            // Ended with an error status, or the deadline passed, or the channel was disposed (a restarted platform
            // disposes its channel and the calls on it): ended all the same.
        }
        _call.Dispose();
    }
}
