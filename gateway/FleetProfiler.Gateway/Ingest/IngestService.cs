using FleetProfiler.Gateway.Security;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// The agents' bidirectional stream, for agent keys only: a hello (checked here against what the key grants), then an
/// <see cref="AgentSession"/> serves the rest: batches applied in order and acknowledged once durable, commands back to
/// the agent. See docs/protocol.md and docs/security.md.
/// </summary>
[Authorize(Policy = FleetPolicies.Agent)]
public sealed class IngestService(
    IGrainFactory grains,
    IngestOptions options,
    AgentStreams streams,
    IngestAdmission admission,
    TimeProvider clock,
    ILogger<IngestService> logger) : Protocol.V1.Ingest.IngestBase
{
    public override async Task Connect(IAsyncStreamReader<AgentMessage> requests, IServerStreamWriter<GatewayMessage> responses, ServerCallContext context)
    {
        var grant = AgentGrant.Of(context.GetHttpContext().User)
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied, "an agent key is required"));
        using var total = streams.EnterTotal();
        var hello = await ReadHelloAsync(requests, grant, context.CancellationToken);
        using var own = streams.EnterAgent(hello.AgentId);
        await new AgentSession(grains, options, admission, clock, logger, hello, grant).RunAsync(requests, responses, context.CancellationToken);
    }

    /// <summary>The first message, within the hello deadline: a hello for the agent id and a host the key was issued for.</summary>
    private async Task<Hello> ReadHelloAsync(IAsyncStreamReader<AgentMessage> requests, AgentGrant grant, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.HelloTimeout);
        bool any;
        try
        {
            any = await requests.MoveNext(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.DeadlineExceeded, $"no hello within {options.HelloTimeout.TotalSeconds:0.#} s ({IngestOptions.Section}:HelloTimeout)"));
        }
        if (!any)
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "the stream ended before a hello"));
        if (requests.Current.BodyCase != AgentMessage.BodyOneofCase.Hello)
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "the first message must be a hello"));
        var hello = requests.Current.Hello;
        // The hello's names are stored (host state) and logged: bounded like a batch's strings.
        foreach (var (field, value) in new[] { ("agent_id", hello.AgentId), ("host", hello.Host), ("agent_version", hello.AgentVersion) })
        {
            if (value.Length > options.Limits.MaxStringLength)
                throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"{field} is longer than max_string_length ({options.Limits.MaxStringLength})"));
        }
        if (hello.Services.Count > options.MaxHelloServices)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.ResourceExhausted,
                $"services: a hello may name at most {options.MaxHelloServices} services, this one names {hello.Services.Count} ({IngestOptions.Section}:MaxHelloServices)"));
        }
        if (hello.AgentId != grant.AgentId || !grant.AllowsHost(hello.Host))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied,
                $"this key belongs to agent '{grant.AgentId}' on host '{grant.HostPattern}', not '{hello.AgentId}' on '{hello.Host}'"));
        }
        var foreign = hello.Services.FirstOrDefault(s => !grant.AllowsService(s));
        if (foreign is not null)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied,
                $"services: the key of agent '{grant.AgentId}' may not write service '{foreign}'"));
        }
        return hello;
    }
}
