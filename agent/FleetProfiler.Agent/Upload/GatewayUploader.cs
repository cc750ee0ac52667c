using System.Collections.Concurrent;
using System.Reflection;
using FleetProfiler.Agent.Spool;
using FleetProfiler.Agent.Triggers;
using FleetProfiler.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;

namespace FleetProfiler.Agent.Upload;

/// <summary>
/// The agent's one stream to the gateway (docs/protocol.md): hello, welcome (limits), then every spooled batch in
/// sequence order; a batch leaves the spool only on its ack or rejection. Commands from the gateway go to
/// <see cref="RemoteCommands"/> and are answered on the same stream. When the gateway is down or the stream breaks,
/// reconnects with exponential backoff and jitter and resends what is still spooled; a refused token waits long.
/// </summary>
public sealed class GatewayUploader(
    WindowSpool spool,
    GatewayLimits limits,
    TargetRegistry registry,
    RemoteCommands commands,
    IOptions<AgentOptions> options,
    ILogger<GatewayUploader> logger) : BackgroundService
{
    /// <summary>A gateway that takes this long to welcome us, or to ack anything while batches wait for it, is treated as down.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromMinutes(2);

    public static readonly string AgentVersion =
        typeof(GatewayUploader).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // A gateway that vanished without closing the connection is noticed within ~30 s.
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = true,
        };
        if (!string.IsNullOrEmpty(settings.GatewayCaCertificate)) GatewayTls.TrustOnly(handler, settings.GatewayCaCertificate);
        using var channel = GrpcChannel.ForAddress(settings.GatewayUrl, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxSendMessageSize = 16 * 1024 * 1024,
            MaxReceiveMessageSize = 4 * 1024 * 1024,
            DisposeHttpClient = true,
        });
        var client = new Ingest.IngestClient(channel);
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(settings.ReconnectMinSeconds), TimeSpan.FromSeconds(settings.ReconnectMaxSeconds),
            TimeSpan.FromSeconds(settings.AuthFailureRetrySeconds), Random.Shared);
        await registry.FirstScan.WaitAsync(stoppingToken).ContinueWith(_ => { }, CancellationToken.None);

        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                await RunStreamAsync(client, backoff, settings, stoppingToken);
                delay = backoff.Next();
                logger.LogWarning("Gateway {Url} ended the stream; reconnecting in {Delay:F1} s", settings.GatewayUrl, delay.TotalSeconds);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                delay = backoff.NextAfterAuthFailure();
                logger.LogError(
                    "Gateway {Url} refused this agent ({Status}: {Detail}): check Agent:AgentId '{AgentId}', Agent:Host '{Host}', Agent:Token and the services against the gateway's agent key (FleetProfiler:Auth, docs/security.md); retrying in {Delay:F0} s",
                    settings.GatewayUrl, e.StatusCode, e.Status.Detail, settings.AgentId, settings.EffectiveHost, delay.TotalSeconds);
            }
            catch (Exception e)
            {
                delay = backoff.Next();
                logger.LogWarning("Gateway {Url} unavailable ({Reason}); {Count} batch(es) wait in the spool; reconnecting in {Delay:F1} s (attempt {Attempt})",
                    settings.GatewayUrl, Describe(e), spool.Status.Count, delay.TotalSeconds, backoff.Attempt);
            }

            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunStreamAsync(Ingest.IngestClient client, ReconnectBackoff backoff, AgentOptions settings, CancellationToken stoppingToken)
    {
        using var streamCts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var ct = streamCts.Token;
        // The key goes in the call's metadata (Authorization: Bearer), where the gateway authenticates every call.
        using var call = client.Connect(new Metadata { { "authorization", ApiKeys.BearerHeader(settings.Token) } }, cancellationToken: ct);
        using var writeLock = new SemaphoreSlim(1, 1);
        async Task WriteAsync(AgentMessage message)
        {
            await writeLock.WaitAsync(ct);
            try
            {
                await call.RequestStream.WriteAsync(message, ct);
            }
            finally
            {
                writeLock.Release();
            }
        }

        var hello = new Hello { AgentId = settings.AgentId, Host = settings.EffectiveHost, AgentVersion = AgentVersion };
        hello.Services.Add(registry.Services);
        await WriteAsync(new AgentMessage { Hello = hello });
        using (var welcomeTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            welcomeTimeout.CancelAfter(ResponseTimeout);
            try
            {
                if (!await call.ResponseStream.MoveNext(welcomeTimeout.Token))
                {
                    throw new IOException("the gateway closed the stream before its welcome");
                }
            }
            catch (Exception) when (welcomeTimeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no welcome within {ResponseTimeout.TotalSeconds:F0} s");
            }
        }
        if (call.ResponseStream.Current.BodyCase != GatewayMessage.BodyOneofCase.Welcome)
        {
            throw new IOException($"the gateway answered the hello with {call.ResponseStream.Current.BodyCase}, not a welcome");
        }
        var welcome = call.ResponseStream.Current.Welcome;
        var agreed = BatchLimits.ProtocolDefaults.With(welcome.Limits ?? new Limits());
        agreed = agreed with { MaxBatchBytes = Math.Min(agreed.MaxBatchBytes, settings.MaxBatchBytes) };
        limits.Update(agreed);
        backoff.Reset();
        logger.LogInformation(
            "Connected to gateway {Url} (version {Version}) as agent {AgentId} of host {Host} with {Services} service(s); max batch {MaxKB} KB; {Count} spooled batch(es) to send",
            settings.GatewayUrl, welcome.GatewayVersion, settings.AgentId, settings.EffectiveHost, hello.Services.Count,
            agreed.MaxBatchBytes / 1024, spool.Status.Count);

        // Stream interning (docs/protocol.md): the spool keeps self-contained batches; this stream sends each string,
        // function, location and stack once, if the gateway announces a dictionary. A new stream starts a new one.
        var interner = welcome.Limits?.MaxDictionaryBytes > 0 ? new StreamInterner(welcome.Limits.MaxDictionaryBytes) : null;
        var inFlight = new SemaphoreSlim(settings.MaxBatchesInFlight, settings.MaxBatchesInFlight);
        var sent = new ConcurrentDictionary<ulong, DateTime>();
        var sender = SendLoopAsync(WriteAsync, inFlight, sent, interner, ct);
        var reader = ReadLoopAsync(call.ResponseStream, WriteAsync, inFlight, sent, interner, ct);
        var watchdog = WatchAcksAsync(sent, ct);
        // Not among the loops that end the stream: it only writes, and a failed write fails the others too.
        var followUps = WriteFollowUpsAsync(WriteAsync, ct);
        var first = await Task.WhenAny(sender, reader, watchdog);
        if (first == sender && sender.IsFaulted)
        {
            // A failed write usually means the call failed: its status (from the reader) says why.
            await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
            if (reader.IsFaulted)
            {
                first = reader;
            }
        }
        streamCts.Cancel();
        try
        {
            await first;
        }
        finally
        {
            await Task.WhenAll(sender, reader, watchdog, followUps).ContinueWith(_ => { }, CancellationToken.None);
        }
    }

    /// <summary>Fails the stream when the oldest unanswered batch has waited longer than <see cref="ResponseTimeout"/>.</summary>
    private static async Task WatchAcksAsync(ConcurrentDictionary<ulong, DateTime> sent, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(ct))
        {
            if (!sent.IsEmpty && DateTime.UtcNow - sent.Values.Min() > ResponseTimeout)
            {
                throw new TimeoutException($"no ack for batch {sent.MinBy(s => s.Value).Key} within {ResponseTimeout.TotalSeconds:F0} s");
            }
        }
    }

    /// <summary>The second answers of one-shot runs (<see cref="RemoteCommands.FollowUps"/>), on this stream; one whose write fails is lost.</summary>
    private async Task WriteFollowUpsAsync(Func<AgentMessage, Task> write, CancellationToken ct)
    {
        await foreach (var result in commands.FollowUps.ReadAllAsync(ct))
        {
            await write(new AgentMessage { CommandResult = result });
        }
    }

    private async Task SendLoopAsync(Func<AgentMessage, Task> write, SemaphoreSlim inFlight, ConcurrentDictionary<ulong, DateTime> sent,
        StreamInterner? interner, CancellationToken ct)
    {
        ulong cursor = 0; // every stream starts from the oldest unacked batch
        while (true)
        {
            var sequence = await spool.WaitForNextAsync(cursor, ct);
            cursor = sequence;
            await inFlight.WaitAsync(ct);
            var batch = spool.TryRead(sequence);
            if (batch is null)
            {
                inFlight.Release();
                continue;
            }

            var current = limits.Current;
            if (BatchSplitter.Violation(batch, current) is { } violation)
            {
                inFlight.Release();
                var split = BatchSplitter.Split(batch, current);
                var parts = spool.Replace(sequence, split.Parts);
                logger.LogWarning("Batch {Sequence} is over the gateway's limits ({Violation}): replaced by batch(es) {Parts}{Dropped}",
                    sequence, violation, string.Join(",", parts),
                    split.DroppedSamples > 0 ? $"; {split.DroppedSamples} sample(s) too large on their own dropped" : "");
                continue;
            }

            sent[sequence] = DateTime.UtcNow;
            await write(new AgentMessage { Batch = interner?.Encode(batch) ?? batch });
        }
    }

    private async Task ReadLoopAsync(IAsyncStreamReader<GatewayMessage> responses, Func<AgentMessage, Task> write,
        SemaphoreSlim inFlight, ConcurrentDictionary<ulong, DateTime> sent, StreamInterner? interner, CancellationToken ct)
    {
        while (await responses.MoveNext(ct))
        {
            var message = responses.Current;
            switch (message.BodyCase)
            {
                case GatewayMessage.BodyOneofCase.Ack:
                    var ack = message.Ack;
                    spool.Remove(ack.Sequence);
                    Settle(ack.Sequence);
                    logger.LogInformation("Gateway acked batch {Sequence}{Duplicate}; {Count} batch(es) left in the spool",
                        ack.Sequence, ack.Duplicate ? " (a duplicate: stored before)" : "", spool.Status.Count);
                    break;
                case GatewayMessage.BodyOneofCase.Rejected:
                    var rejected = message.Rejected;
                    spool.Remove(rejected.Sequence);
                    Settle(rejected.Sequence);
                    // Whatever the reason, the gateway may not have learnt that batch's entries: start a new dictionary.
                    interner?.Reset();
                    logger.LogError("Gateway rejected batch {Sequence} (code {Code}): {Message}; dropped it from the spool",
                        rejected.Sequence, rejected.Code, rejected.Message);
                    break;
                case GatewayMessage.BodyOneofCase.Command:
                    await write(new AgentMessage { CommandResult = commands.Handle(message.Command) });
                    break;
                default:
                    logger.LogWarning("Ignoring an unexpected {Kind} from the gateway", message.BodyCase);
                    break;
            }
        }

        void Settle(ulong sequence)
        {
            if (sent.TryRemove(sequence, out _))
            {
                inFlight.Release();
            }
        }
    }

    private static string Describe(Exception e) => e switch
    {
        RpcException r => $"{r.StatusCode}: {r.Status.Detail}" + (r.Status.DebugException is { } inner ? $" {inner.GetBaseException().Message}" : ""),
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
