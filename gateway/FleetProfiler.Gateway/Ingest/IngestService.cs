using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// The agents' bidirectional stream: hello (authenticated), then batches applied in order to the host's grains
/// and acknowledged once durable, and commands from the host grains back to the agent. See docs/protocol.md.
/// </summary>
public sealed class IngestService(
    IGrainFactory grains,
    IngestOptions options,
    AgentAuthenticator authenticator,
    ILogger<IngestService> logger) : Protocol.V1.Ingest.IngestBase
{
    /// <summary>How often a connection re-attaches to its host grains, so a grain reactivated elsewhere still reaches it.</summary>
    private static readonly TimeSpan ReattachPeriod = TimeSpan.FromSeconds(30);

    public override async Task Connect(IAsyncStreamReader<AgentMessage> requests, IServerStreamWriter<GatewayMessage> responses, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requests.MoveNext(ct))
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "the stream ended before a hello"));
        if (requests.Current.BodyCase != AgentMessage.BodyOneofCase.Hello)
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "the first message must be a hello"));
        var hello = requests.Current.Hello;
        var credential = authenticator.Authenticate(hello.Token)
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, "unknown or missing agent token"));
        if (hello.AgentId != credential.AgentId || hello.Host != credential.Host)
            throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied,
                $"this token belongs to agent '{credential.AgentId}' on host '{credential.Host}', not '{hello.AgentId}' on '{hello.Host}'"));

        var connection = new AgentConnection();
        var reference = grains.CreateObjectReference<IAgentConnection>(connection);
        var services = new HashSet<string>(StringComparer.Ordinal);
        var registration = new AgentRegistration(hello.AgentId, hello.AgentVersion);
        foreach (var service in hello.Services.Distinct())
        {
            if (!IsServiceName(service)) continue;
            await AttachAsync(service);
        }
        logger.LogInformation("Agent {Agent} connected for host {Host} ({Services} services)", hello.AgentId, hello.Host, services.Count);

        await connection.SendAsync(new GatewayMessage { Welcome = new Welcome { GatewayVersion = GatewayVersion, Limits = ToProto(options.Limits) } }, ct);
        var writer = WriteLoopAsync(connection, responses, ct);
        using var reattach = new PeriodicTimer(ReattachPeriod);
        var reattachLoop = ReattachLoopAsync(reattach, ct);
        try
        {
            while (await requests.MoveNext(ct))
            {
                var message = requests.Current;
                switch (message.BodyCase)
                {
                    case AgentMessage.BodyOneofCase.Batch:
                        await connection.SendAsync(await ApplyAsync(message.Batch), ct);
                        break;
                    case AgentMessage.BodyOneofCase.CommandResult:
                        logger.LogInformation("Agent {Agent}: command {Id} {Outcome}: {Message}", hello.AgentId, message.CommandResult.Id,
                            message.CommandResult.Accepted ? "accepted" : "refused", message.CommandResult.Message);
                        break;
                    case AgentMessage.BodyOneofCase.Hello:
                        throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "a second hello on one stream"));
                    default:
                        throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, "an empty agent message"));
                }
            }
        }
        finally
        {
            connection.Complete();
            foreach (var service in services)
            {
                try { await grains.GetGrain<IHostGrain>(HostKey.Of(service, hello.Host)).DetachAgentAsync(reference); }
                catch (Exception e) { logger.LogDebug(e, "Detach from {Service}/{Host} failed", service, hello.Host); }
            }
            grains.DeleteObjectReference<IAgentConnection>(reference);
            await writer;
            logger.LogInformation("Agent {Agent} of host {Host} disconnected", hello.AgentId, hello.Host);
        }

        async Task AttachAsync(string service)
        {
            var host = grains.GetGrain<IHostGrain>(HostKey.Of(service, hello.Host));
            if (services.Add(service)) await host.RegisterAgentAsync(registration);
            await host.AttachAgentAsync(reference);
        }

        async Task ReattachLoopAsync(PeriodicTimer timer, CancellationToken token)
        {
            try
            {
                while (await timer.WaitForNextTickAsync(token))
                    foreach (var service in services.ToArray())
                        await grains.GetGrain<IHostGrain>(HostKey.Of(service, hello.Host)).AttachAgentAsync(reference);
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { logger.LogWarning("Re-attaching agent {Agent} failed: {Error}", hello.AgentId, e.Message); }
        }

        async Task<GatewayMessage> ApplyAsync(Batch batch)
        {
            if (batch.Host != hello.Host)
                return Rejected(batch.Sequence, StatusCode.PermissionDenied, $"batch for host '{batch.Host}' on the stream of host '{hello.Host}'");
            var error = BatchValidator.Validate(batch, options.Limits);
            if (error is not null)
            {
                logger.LogWarning("Agent {Agent}: batch {Sequence} rejected: {Error}", hello.AgentId, batch.Sequence, error);
                return Rejected(batch.Sequence, StatusCode.InvalidArgument, error);
            }
            if (!services.Contains(batch.Service)) await AttachAsync(batch.Service);
            var upload = new ProfileWindowUpload(hello.AgentId, (long)batch.Sequence, batch.Pid, batch.ProcessName,
                batch.WindowStart.ToDateTimeOffset(), batch.WindowEnd.ToDateTimeOffset(), string.Join(',', batch.Kinds),
                batch.SamplingIntervalMs, BatchTranslator.ToEncodedTree(batch), (int)Math.Min(batch.DroppedWindows, int.MaxValue));
            // In order, one at a time: the ack means durable, and a stream's sequences reach a grain in order.
            var outcome = await grains.GetGrain<IHostGrain>(HostKey.Of(batch.Service, hello.Host)).ApplyWindowAsync(upload);
            return new GatewayMessage { Ack = new BatchAck { Sequence = batch.Sequence, Duplicate = outcome == ApplyOutcome.Duplicate } };
        }
    }

    private static async Task WriteLoopAsync(AgentConnection connection, IServerStreamWriter<GatewayMessage> responses, CancellationToken ct)
    {
        try
        {
            await foreach (var message in connection.Outbox.ReadAllAsync(ct))
                await responses.WriteAsync(message, ct);
        }
        catch (OperationCanceledException) { }
        catch (InvalidOperationException) { } // the call ended
    }

    private static GatewayMessage Rejected(ulong sequence, StatusCode code, string message) =>
        new() { Rejected = new BatchRejected { Sequence = sequence, Code = (int)code, Message = message } };

    private static bool IsServiceName(string s) => !string.IsNullOrWhiteSpace(s) && !s.Contains('/') && s.Length <= 256;

    private static Limits ToProto(BatchLimits l) => new()
    {
        MaxBatchBytes = l.MaxBatchBytes,
        MaxStrings = l.MaxStrings,
        MaxStringLength = l.MaxStringLength,
        MaxFramesPerStack = l.MaxFramesPerStack,
        MaxStacks = l.MaxStacks,
        MaxSamples = l.MaxSamples,
    };

    private static readonly string GatewayVersion = typeof(IngestService).Assembly.GetName().Version?.ToString() ?? "";
}
