using FleetProfiler.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>A protocol-level agent: one Ingest/Connect stream, driven message by message.</summary>
public sealed class AgentStream : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<AgentMessage, GatewayMessage> _call;

    private AgentStream(AsyncDuplexStreamingCall<AgentMessage, GatewayMessage> call) => _call = call;

    public static async Task<(AgentStream Stream, Welcome Welcome)> ConnectAsync(GrpcChannel channel, string agentId, string host, string token, params string[] services)
    {
        var stream = Open(channel);
        await stream.SendAsync(TestBatches.Hello(agentId, host, token, services));
        var first = await stream.ReceiveAsync();
        Assert.Equal(GatewayMessage.BodyOneofCase.Welcome, first.BodyCase);
        return (stream, first.Welcome);
    }

    public static AgentStream Open(GrpcChannel channel) => new(new FleetProfiler.Protocol.V1.Ingest.IngestClient(channel).Connect());

    public Task SendAsync(AgentMessage message) => _call.RequestStream.WriteAsync(message);

    public async Task<GatewayMessage> ReceiveAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        if (!await _call.ResponseStream.MoveNext(deadline.Token))
            throw new InvalidOperationException("the gateway ended the stream");
        return _call.ResponseStream.Current;
    }

    /// <summary>Sends a batch and returns the gateway's answer to it (ack or rejection).</summary>
    public async Task<GatewayMessage> SendBatchAsync(Batch batch)
    {
        await SendAsync(batch.Message());
        var reply = await ReceiveAsync();
        Assert.True(reply.BodyCase is GatewayMessage.BodyOneofCase.Ack or GatewayMessage.BodyOneofCase.Rejected, $"unexpected {reply.BodyCase}");
        return reply;
    }

    /// <summary>The status the gateway ended the stream with.</summary>
    public async Task<RpcException> ExpectEndAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await _call.ResponseStream.MoveNext(deadline.Token)) { }
        });
    }

    public async ValueTask DisposeAsync()
    {
        try { await _call.RequestStream.CompleteAsync(); } catch (Exception) { }
        _call.Dispose();
    }
}
