using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Abstractions.Schedules;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// One authenticated agent stream, from the welcome to the disconnect: the host grains it is attached to (one per
/// service it reports), its batches applied in order and answered, the grains' commands written back, and the
/// detach on the way out whatever ended the stream.
/// </summary>
public sealed class AgentSession
{
    /// <summary>How often a session re-attaches to its host grains, so a grain reactivated elsewhere still reaches it.</summary>
    private static readonly TimeSpan ReattachPeriod = TimeSpan.FromSeconds(30);

    private static readonly string GatewayVersion = typeof(AgentSession).Assembly.GetName().Version?.ToString() ?? "";

    private readonly IGrainFactory _grains;
    private readonly IngestOptions _options;
    private readonly ILogger _logger;
    private readonly Hello _hello;
    private readonly Security.AgentGrant _grant;
    private readonly AgentRegistration _registration;
    private readonly AgentConnection _connection = new();
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);
    private IAgentConnection? _reference;

    public AgentSession(IGrainFactory grains, IngestOptions options, ILogger logger, Hello hello, Security.AgentGrant grant)
    {
        _grant = grant;
        _grains = grains;
        _options = options;
        _logger = logger;
        _hello = hello;
        _registration = new AgentRegistration(hello.AgentId, hello.AgentVersion);
    }

    /// <summary>Serves the stream until the agent ends it or the call is cancelled; always detaches from every host grain.</summary>
    public async Task RunAsync(IAsyncStreamReader<AgentMessage> requests, IServerStreamWriter<GatewayMessage> responses, CancellationToken ct)
    {
        _reference = _grains.CreateObjectReference<IAgentConnection>(_connection);
        var writer = WriteLoopAsync(responses, ct);
        try
        {
            foreach (var service in _hello.Services.Distinct())
                if (IsServiceName(service)) await AttachAsync(service);
            _logger.LogInformation("Agent {Agent} connected for host {Host} ({Services} services)", _hello.AgentId, _hello.Host, _services.Count);
            await _connection.SendAsync(new GatewayMessage { Welcome = new Welcome { GatewayVersion = GatewayVersion, Limits = ToProto(_options.Limits) } }, ct);
            using var reattach = new PeriodicTimer(ReattachPeriod);
            _ = ReattachLoopAsync(reattach, ct);   // ends when the timer is disposed below or the call is cancelled
            await ReadLoopAsync(requests, ct);
        }
        finally
        {
            await CloseAsync(writer);
        }
    }

    private async Task ReadLoopAsync(IAsyncStreamReader<AgentMessage> requests, CancellationToken ct)
    {
        while (await requests.MoveNext(ct))
        {
            var message = requests.Current;
            switch (message.BodyCase)
            {
                case AgentMessage.BodyOneofCase.Batch:
                    var reply = await ApplyAsync(message.Batch);
                    if (reply.BodyCase == GatewayMessage.BodyOneofCase.Ack && message.Batch.Sequence == _options.WithholdAckOfSequence)
                    {
                        _logger.LogWarning("Batch {Sequence} of agent {Agent} is stored; its ack is withheld ({Section}:WithholdAckOfSequence)",
                            message.Batch.Sequence, _hello.AgentId, IngestOptions.Section);
                        break;
                    }
                    await _connection.SendAsync(reply, ct);
                    break;
                case AgentMessage.BodyOneofCase.CommandResult:
                    _logger.LogInformation("Agent {Agent}: command {Id} {Outcome}: {Message}", _hello.AgentId, message.CommandResult.Id,
                        message.CommandResult.Accepted ? "accepted" : "refused", message.CommandResult.Message);
                    await RecordScheduledResultAsync(message.CommandResult);
                    break;
                case AgentMessage.BodyOneofCase.Hello:
                    throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "a second hello on one stream"));
                default:
                    throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, "an empty agent message"));
            }
        }
    }

    private async Task<GatewayMessage> ApplyAsync(Batch batch)
    {
        if (batch.Host != _hello.Host)
            return Rejected(batch.Sequence, StatusCode.PermissionDenied, $"batch for host '{batch.Host}' on the stream of host '{_hello.Host}'");
        if (!_grant.AllowsService(batch.Service))
            return Rejected(batch.Sequence, StatusCode.PermissionDenied, $"service: the key of agent '{_grant.AgentId}' may not write service '{batch.Service}'");
        var error = BatchValidator.Validate(batch, _options.Limits);
        if (error is not null)
        {
            _logger.LogWarning("Agent {Agent}: batch {Sequence} rejected: {Error}", _hello.AgentId, batch.Sequence, error);
            return Rejected(batch.Sequence, StatusCode.InvalidArgument, error);
        }
        if (!_services.Contains(batch.Service)) await AttachAsync(batch.Service);
        var dropped = (int)Math.Min(batch.DroppedWindows, int.MaxValue);
        var sender = DeliveryAgentId(_hello.AgentId, batch.SpoolEpoch);
        // In order, one at a time: the ack means durable, and a stream's sequences reach a grain in order.
        var outcome = batch.Coverage is not null
            ? await HostGrain(batch.Service).ApplyCoverageAsync(CoverageTranslator.ToUpload(batch, sender, dropped))
            : batch.HeapSnapshot is not null
            ? await HostGrain(batch.Service).ApplyHeapSnapshotAsync(HeapSnapshotValidator.ToUpload(batch, sender), dropped)
            : batch.RouteMinutes.Count > 0
            ? await HostGrain(batch.Service).ApplyRouteMinutesAsync(new Abstractions.Endpoints.RouteMinutesUpload(sender, (long)batch.Sequence,
                batch.RouteMinutes.Select(r => new Abstractions.Endpoints.RouteMinute(r.Minute.ToDateTimeOffset(), r.Method, r.Route, r.StatusClass, r.Requests,
                    r.DurationSumMs, r.P50Ms, r.P95Ms, r.P99Ms)).ToList(), dropped))
            : await HostGrain(batch.Service).ApplyWindowAsync(new ProfileWindowUpload(sender, (long)batch.Sequence, batch.Pid, batch.ProcessName,
                batch.WindowStart.ToDateTimeOffset(), batch.WindowEnd.ToDateTimeOffset(), string.Join(',', batch.Kinds),
                batch.SamplingIntervalMs, BatchTranslator.ToEncodedTree(batch), dropped, BatchTranslator.SourcePaths(batch)));
        return new GatewayMessage { Ack = new BatchAck { Sequence = batch.Sequence, Duplicate = outcome == ApplyOutcome.Duplicate } };
    }

    /// <summary>The answer to a scheduled command goes to its service's schedule history (other commands are only logged).</summary>
    private async Task RecordScheduledResultAsync(CommandResult result)
    {
        // Only for a service this stream reports: an agent cannot write into another service's history.
        if (!ScheduleCommandId.TryParse(result.Id, out var service, out var runId) || !_services.Contains(service)) return;
        try
        {
            await _grains.GetGrain<IScheduleGrain>(service).RecordResultAsync(runId, _hello.Host, result.Accepted, result.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The history misses one answer (the run shows the host as sent); the stream carries on.
            _logger.LogWarning("Recording the answer to {Id} of agent {Agent} failed: {Error}", result.Id, _hello.AgentId, e.Message);
        }
    }

    private async Task AttachAsync(string service)
    {
        var host = HostGrain(service);
        if (_services.Add(service)) await host.RegisterAgentAsync(_registration);
        await host.AttachAgentAsync(_reference!);
    }

    private async Task ReattachLoopAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                foreach (var service in _services.ToArray())
                    await HostGrain(service).AttachAgentAsync(_reference!);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { _logger.LogWarning("Re-attaching agent {Agent} failed: {Error}", _hello.AgentId, e.Message); }
    }

    /// <summary>The single writer of the response stream (gRPC allows one at a time): the outbox, in order.</summary>
    private async Task WriteLoopAsync(IServerStreamWriter<GatewayMessage> responses, CancellationToken ct)
    {
        try
        {
            await foreach (var message in _connection.Outbox.ReadAllAsync(ct))
                await responses.WriteAsync(message, ct);
        }
        catch (OperationCanceledException) { }
        catch (InvalidOperationException) { } // the call ended
    }

    private async Task CloseAsync(Task writer)
    {
        _connection.Complete();
        foreach (var service in _services)
        {
            try { await HostGrain(service).DetachAgentAsync(_reference!); }
            catch (Exception e) { _logger.LogDebug(e, "Detach from {Service}/{Host} failed", service, _hello.Host); }
        }
        _grains.DeleteObjectReference<IAgentConnection>(_reference!);
        await writer;
        _logger.LogInformation("Agent {Agent} of host {Host} disconnected", _hello.AgentId, _hello.Host);
    }

    /// <summary>
    /// The agent half of the exactly-once key (agent, sequence): the agent id with its spool epoch, because a wiped
    /// spool starts its sequences again at 1 in a new epoch and those windows are new, not resends.
    /// </summary>
    public static string DeliveryAgentId(string agentId, ulong spoolEpoch) =>
        spoolEpoch == 0 ? agentId : $"{agentId}#{spoolEpoch:x16}";

    private IHostGrain HostGrain(string service) => _grains.GetGrain<IHostGrain>(HostKey.Of(service, _hello.Host));

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
}
