using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// The agents' bidirectional stream: a hello (authenticated here), then an <see cref="AgentSession"/> serves the
/// rest: batches applied in order and acknowledged once durable, commands back to the agent. See docs/protocol.md.
/// </summary>
public sealed class IngestService(
    IGrainFactory grains,
    IngestOptions options,
    AgentAuthenticator authenticator,
    ILogger<IngestService> logger) : Protocol.V1.Ingest.IngestBase
{
    public override async Task Connect(IAsyncStreamReader<AgentMessage> requests, IServerStreamWriter<GatewayMessage> responses, ServerCallContext context)
    {
        var hello = await ReadHelloAsync(requests, context.CancellationToken);
        await new AgentSession(grains, options, logger, hello).RunAsync(requests, responses, context.CancellationToken);
    }

    /// <summary>The first message, which must be a hello whose token belongs to the agent and host it names.</summary>
    private async Task<Hello> ReadHelloAsync(IAsyncStreamReader<AgentMessage> requests, CancellationToken ct)
    {
        if (!await requests.MoveNext(ct))
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "the stream ended before a hello"));
        if (requests.Current.BodyCase != AgentMessage.BodyOneofCase.Hello)
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "the first message must be a hello"));
        var hello = requests.Current.Hello;
        var credential = authenticator.Authenticate(hello.Token)
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, "unknown or missing agent token"));
        if (hello.AgentId != credential.AgentId || hello.Host != credential.Host)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied,
                $"this token belongs to agent '{credential.AgentId}' on host '{credential.Host}', not '{hello.AgentId}' on '{hello.Host}'"));
        }

        return hello;
    }
}
