using FleetProfiler.Gateway.Security;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// The agents' bidirectional stream, for agent keys only: a hello (checked here against what the key grants), then an
/// <see cref="AgentSession"/> serves the rest: batches applied in order and acknowledged once durable, commands back to
/// the agent. See docs/protocol.md and docs/security.md. Bound through <see cref="IngestServiceBase"/> rather than the
/// generated base class, so that requests arrive as bytes (<see cref="ReceivedMessage"/>) and a batch is parsed only
/// once admitted.
/// </summary>
[Authorize(Policy = FleetPolicies.Agent)]
public sealed class IngestService(
    IGrainFactory grains,
    IngestOptions options,
    AgentStreams streams,
    IngestAdmission admission,
    TimeProvider clock,
    ILogger<IngestService> logger) : IngestServiceBase
{
    public override async Task Connect(IAsyncStreamReader<ReceivedMessage> requests, IServerStreamWriter<GatewayMessage> responses, ServerCallContext context)
    {
        var grant = AgentGrant.Of(context.GetHttpContext().User)
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied, "an agent key is required"));
        using var total = streams.EnterTotal();
        var hello = await ReadHelloAsync(requests, grant, context.CancellationToken);
        using var own = streams.EnterAgent(hello.AgentId);
        await new AgentSession(grains, options, admission, clock, logger, hello, grant).RunAsync(requests, responses, context.CancellationToken);
    }

    /// <summary>The first message, within the hello deadline: a hello for the agent id and a host the key was issued for.</summary>
    private async Task<Hello> ReadHelloAsync(IAsyncStreamReader<ReceivedMessage> requests, AgentGrant grant, CancellationToken ct)
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
        var first = requests.Current.Parse();
        if (first.BodyCase != AgentMessage.BodyOneofCase.Hello)
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "the first message must be a hello"));
        var hello = first.Hello;
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

/// <summary>
/// <c>fleetprofiler.v1.Ingest</c> bound as the generated base class binds it, with <see cref="ReceivedMessage.Connect"/>
/// in place of the generated method (gRPC looks up the override of <see cref="Connect"/> on the service type).
/// </summary>
[BindServiceMethod(typeof(IngestServiceBase), nameof(BindService))]
public abstract class IngestServiceBase
{
    /// <summary>The service as the proto declares it (gRPC reflection reads it from here).</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => Protocol.V1.Ingest.Descriptor;

    public abstract Task Connect(IAsyncStreamReader<ReceivedMessage> requests, IServerStreamWriter<GatewayMessage> responses, ServerCallContext context);

    public static void BindService(ServiceBinderBase binder, IngestServiceBase? service) =>
        binder.AddMethod(ReceivedMessage.Connect, service is null ? null : service.Connect);
}
