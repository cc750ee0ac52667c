using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Abstractions.Schedules;
using FleetProfiler.Abstractions.Services;
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
    private readonly IngestAdmission _admission;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Hello _hello;
    private readonly Security.AgentGrant _grant;
    private readonly AgentRegistration _registration;
    private readonly AgentConnection _connection = new();
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);
    // Services whose host list (or the fleet's service list) is full: why, for each batch of theirs.
    private readonly Dictionary<string, string> _refused = new(StringComparer.Ordinal);
    private IAgentConnection? _reference;
    // The stream's interning dictionary (docs/protocol.md, "Stream interning"): lives and dies with the stream.
    private readonly StreamDictionary _dictionary;
    // Translates the stream's interned windows straight from the dictionary (falls back to expanding them).
    private readonly InternedWindowTranslator _translator = new();

    public AgentSession(IGrainFactory grains, IngestOptions options, IngestAdmission admission, TimeProvider clock, ILogger logger, Hello hello, Security.AgentGrant grant)
    {
        _admission = admission;
        _grant = grant;
        _grains = grains;
        _options = options;
        _clock = clock;
        _logger = logger;
        _hello = hello;
        _registration = new AgentRegistration(hello.AgentId, hello.AgentVersion);
        _dictionary = new StreamDictionary(options.Limits.MaxDictionaryBytes, options.Limits.MaxStringLength, options.Limits.MaxFramesPerStack);
    }

    /// <summary>Serves the stream until the agent ends it or the call is cancelled; always detaches from every host grain.</summary>
    public async Task RunAsync(IAsyncStreamReader<ReceivedMessage> requests, IServerStreamWriter<GatewayMessage> responses, CancellationToken ct)
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

    private async Task ReadLoopAsync(IAsyncStreamReader<ReceivedMessage> requests, CancellationToken ct)
    {
        while (await requests.MoveNext(ct))
        {
            // Gateway-wide bound on batches in flight: until a slot is free this stream reads nothing more, and its
            // message waits as the bytes it came in. Other messages give the slot back once parsed.
            var slot = await _admission.EnterAsync(ct);
            AgentMessage message;
            try
            {
                message = requests.Current.Parse();
            }
            catch
            {
                slot.Dispose();
                throw;
            }
            if (message.BodyCase != AgentMessage.BodyOneofCase.Batch) slot.Dispose();
            switch (message.BodyCase)
            {
                case AgentMessage.BodyOneofCase.Batch:
                    GatewayMessage reply;
                    using (slot)
                        reply = await ApplyAsync(message.Batch);
                    if (reply.BodyCase == GatewayMessage.BodyOneofCase.Ack && message.Batch.Sequence == _options.WithholdAckOfSequence)
                    {
                        _logger.LogWarning("Batch {Sequence} of agent {Agent} is stored; its ack is withheld ({Section}:WithholdAckOfSequence)",
                            message.Batch.Sequence, _hello.AgentId, IngestOptions.Section);
                        break;
                    }
                    await _connection.SendAsync(reply, ct);
                    break;
                case AgentMessage.BodyOneofCase.CommandResult:
                    var result = message.CommandResult;
                    _logger.LogInformation("Agent {Agent}: command {Id} {Outcome}: {Message}", _hello.AgentId, result.Id,
                        (result.Finished, result.Accepted) switch { (false, true) => "accepted", (false, false) => "refused", (true, true) => "done", _ => "failed" },
                        result.Message);
                    await RecordHostResultAsync(result);
                    // A schedule's history keeps the first answer only.
                    if (!result.Finished) await RecordScheduledResultAsync(result);
                    break;
                case AgentMessage.BodyOneofCase.Hello:
                    throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "a second hello on one stream"));
                default:
                    throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, "an empty agent message"));
            }
        }
    }

    /// <summary>
    /// The batch's answer: an ack once durable, or a rejection that applies nothing. A transient fault of the platform
    /// propagates (the stream ends, the agent resends); any other exception becomes this batch's rejection.
    /// </summary>
    private async Task<GatewayMessage> ApplyAsync(Batch batch)
    {
        // An interned batch's new entries join the dictionary before anything else looks at it, whatever the batch's
        // fate (the agent counts them as sent); its header is the self-contained batch's (see Prepare).
        if (batch.Interning is not null && _dictionary.Admit(batch) is { } error) return Invalid(batch, error);
        try
        {
            return await TryApplyAsync(batch);
        }
        catch (Exception e) when (!ApplyFailure.IsTransient(e))
        {
            _logger.LogError(e, "Agent {Agent}: batch {Sequence} could not be applied; rejected", _hello.AgentId, batch.Sequence);
            return Rejected(batch.Sequence, ApplyFailure.CodeOf(e), ApplyFailure.Describe(e));
        }
    }

    private async Task<GatewayMessage> TryApplyAsync(Batch batch)
    {
        if (batch.Host != _hello.Host)
            return Rejected(batch.Sequence, StatusCode.PermissionDenied, $"batch for host '{batch.Host}' on the stream of host '{_hello.Host}'");
        if (!_grant.AllowsService(batch.Service))
            return Rejected(batch.Sequence, StatusCode.PermissionDenied, $"service: the key of agent '{_grant.AgentId}' may not write service '{batch.Service}'");
        var prepared = Prepare(batch);
        if (prepared.Error is not null) return Invalid(batch, prepared.Error);
        if (batch.Sequence == _options.FailApplyOfSequence)
            throw new InvalidOperationException($"fault injected into batch {batch.Sequence} ({IngestOptions.Section}:FailApplyOfSequence)");
        if (_refused.TryGetValue(batch.Service, out var why) || (!_services.Contains(batch.Service) && (why = await AttachAsync(batch.Service)) is not null))
            return Rejected(batch.Sequence, StatusCode.ResourceExhausted, why);
        var host = HostGrain(batch.Service);
        // In order, one at a time: the ack means durable, and a stream's sequences reach a grain in order.
        var outcome = prepared switch
        {
            { Coverage: { } coverage } => await host.ApplyCoverageAsync(coverage),
            { HeapSnapshot: { } heap } => await host.ApplyHeapSnapshotAsync(heap, (int)Math.Min(batch.DroppedWindows, int.MaxValue)),
            { RouteMinutes: { } routes } => await host.ApplyRouteMinutesAsync(routes),
            { Window: { } window } => await host.ApplyWindowAsync(window),
            _ => throw new InvalidOperationException("a prepared batch carries one upload"),
        };
        return new GatewayMessage { Ack = new BatchAck { Sequence = batch.Sequence, Duplicate = outcome == ApplyOutcome.Duplicate } };
    }

    /// <summary>
    /// The batch checked and translated. An interned window is translated straight from the stream's dictionary; any
    /// other interned batch, or one that path cannot prove acceptable, first becomes the self-contained batch it stands for.
    /// </summary>
    private PreparedBatch Prepare(Batch batch)
    {
        var now = _clock.GetUtcNow();
        var sender = DeliveryAgentId(_hello.AgentId, batch.SpoolEpoch);
        if (batch.Interning is null) return PreparedBatch.Prepare(batch, _options.Limits, now, sender);
        return _translator.TryPrepare(batch, _dictionary, _options.Limits, now, sender)
            ?? PreparedBatch.Prepare(_dictionary.ExpandAdmitted(batch), _options.Limits, now, sender);
    }

    private GatewayMessage Invalid(Batch batch, string error)
    {
        _logger.LogWarning("Agent {Agent}: batch {Sequence} rejected: {Error}", _hello.AgentId, batch.Sequence, error);
        return Rejected(batch.Sequence, StatusCode.InvalidArgument, error);
    }

    /// <summary>
    /// The answer goes to the host grain that sent the command (the one of this stream's services that keeps its id), where
    /// Query/GetCommand and the CLI read it.
    /// </summary>
    private async Task RecordHostResultAsync(CommandResult result)
    {
        if (string.IsNullOrEmpty(result.Id)) return;
        try
        {
            // Only this stream's own host grains: an agent cannot answer for another host.
            foreach (var service in _services)
                if (await HostGrain(service).RecordCommandResultAsync(result.Id, result.Accepted, result.Message, result.Finished)) return;
            _logger.LogInformation("Agent {Agent}: command {Id} is not among the recent commands of host {Host}", _hello.AgentId, result.Id, _hello.Host);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The host's list shows the command as sent; the stream carries on.
            _logger.LogWarning("Recording the answer to {Id} of agent {Agent} failed: {Error}", result.Id, _hello.AgentId, e.Message);
        }
    }

    /// <summary>The answer to a scheduled command also goes to its service's schedule history.</summary>
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

    /// <summary>Attaches to the service's host grain; returns why not when the service or the fleet is full (nothing registered then).</summary>
    private async Task<string?> AttachAsync(string service)
    {
        var host = HostGrain(service);
        if (!_services.Contains(service))
        {
            if (await _grains.GetGrain<IServiceGrain>(service).AddHostAsync(_hello.Host) is { } refused)
            {
                _logger.LogWarning("Agent {Agent}: {Reason}", _hello.AgentId, refused);
                _refused[service] = refused;
                return refused;
            }
            _services.Add(service);
            await host.RegisterAgentAsync(_registration);
        }
        await host.AttachAgentAsync(_reference!);
        return null;
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
        MaxDictionaryBytes = l.MaxDictionaryBytes,
    };
}
