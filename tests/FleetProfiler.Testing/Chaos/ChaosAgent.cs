using FleetProfiler.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace FleetProfiler.Testing.Chaos;

/// <summary>
/// A simulated agent that behaves like the real one where loss can happen: every window waits in its "spool" until the
/// gateway acks it; a stream that fails or stays silent is dropped and a new one resends the oldest unacked window
/// (the host grain dedupes by agent and sequence). A rejected window is dropped, as the real agent does, and counted.
/// Each window's CPU samples are known, so the run knows the exact per-minute and per-hour totals to expect.
/// </summary>
public sealed class ChaosAgent(AgentCredential credential, string service, int index, DateTimeOffset firstWindow, GroundTruth truth)
{
    /// <summary>How long a sent window may wait for its answer before the stream is given up.</summary>
    private static readonly TimeSpan AckDeadline = TimeSpan.FromSeconds(20);

    private ulong _sequence;

    public long Offered { get; private set; }
    public long Acked { get; private set; }
    public long AckedAsDuplicate { get; private set; }
    public long Rejected { get; private set; }
    public long Resends { get; private set; }
    public long Reconnects { get; private set; }
    public string? LastRejection { get; private set; }

    /// <summary>
    /// Offers a window every <paramref name="interval"/> until <paramref name="produce"/> is cancelled, then delivers
    /// what is left; ends when every offered window is answered or <paramref name="abandon"/> is cancelled.
    /// </summary>
    public async Task RunAsync(GrpcChannel channel, TimeSpan interval, CancellationToken produce, CancellationToken abandon)
    {
        AsyncDuplexStreamingCall<AgentMessage, GatewayMessage>? call = null;
        try
        {
            while (!produce.IsCancellationRequested)
            {
                var paced = Task.Delay(interval, CancellationToken.None); // the window's length, compressed: a rate, not a wait for anything
                var batch = NextWindow();
                call = await DeliverAsync(channel, call, batch, abandon);
                await paced;
            }
        }
        finally
        {
            call?.Dispose();
        }
    }

    private Batch NextWindow()
    {
        var sequence = ++_sequence;
        // 10 s windows back to back, each host offset by a few seconds; CPU samples vary by agent and window.
        var start = firstWindow.AddSeconds(10 * (double)(sequence - 1) + index % 10);
        var a = 1 + (index * 7 + (long)sequence) % 40;
        var b = 1 + (index + 3 * (long)sequence) % 25;
        var batch = TestBatches.Cpu(sequence, service, credential.Host, start, ("app!Chaos.Main;app!Chaos.Work", a), ($"app!Chaos.Main;app!Chaos.Step{sequence % 5}", b));
        truth.Offer(service, start, a + b);
        Offered++;
        return batch;
    }

    private async Task<AsyncDuplexStreamingCall<AgentMessage, GatewayMessage>?> DeliverAsync(GrpcChannel channel,
        AsyncDuplexStreamingCall<AgentMessage, GatewayMessage>? call, Batch batch, CancellationToken abandon)
    {
        var attempt = 0;
        while (true)
        {
            abandon.ThrowIfCancellationRequested();
            try
            {
                call ??= await ConnectAsync(channel, abandon);
                if (attempt++ > 0) Resends++;
                await call.RequestStream.WriteAsync(batch.Message(), abandon);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(abandon);
                deadline.CancelAfter(AckDeadline);
                while (true)
                {
                    if (!await call.ResponseStream.MoveNext(deadline.Token)) throw new IOException("the gateway ended the stream");
                    var reply = call.ResponseStream.Current;
                    if (reply.BodyCase == GatewayMessage.BodyOneofCase.Ack && reply.Ack.Sequence == batch.Sequence)
                    {
                        Acked++;
                        if (reply.Ack.Duplicate) AckedAsDuplicate++;
                        truth.Acked();
                        return call;
                    }
                    if (reply.BodyCase == GatewayMessage.BodyOneofCase.Rejected && reply.Rejected.Sequence == batch.Sequence)
                    {
                        Rejected++;
                        LastRejection = $"batch {batch.Sequence} of {credential.AgentId}: code {reply.Rejected.Code}: {reply.Rejected.Message}";
                        return call;
                    }
                    // Commands or answers to older windows of a dropped stream: not ours to wait for.
                }
            }
            catch (Exception e) when (!abandon.IsCancellationRequested && e is RpcException or IOException or OperationCanceledException or InvalidOperationException or HttpRequestException)
            {
                // The gateway or a silo went away mid-window: drop the stream, the next one resends the same window.
                call?.Dispose();
                call = null;
                Reconnects++;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)), abandon);
            }
        }
    }

    private async Task<AsyncDuplexStreamingCall<AgentMessage, GatewayMessage>> ConnectAsync(GrpcChannel channel, CancellationToken abandon)
    {
        var call = new Ingest.IngestClient(channel).Connect(
            new Metadata { { "authorization", FleetProfiler.Protocol.ApiKeys.BearerHeader(credential.Token) } }, cancellationToken: abandon);
        try
        {
            await call.RequestStream.WriteAsync(TestBatches.Hello(credential.AgentId, credential.Host, credential.Token, service), abandon);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(abandon);
            deadline.CancelAfter(AckDeadline);
            if (!await call.ResponseStream.MoveNext(deadline.Token) || call.ResponseStream.Current.BodyCase != GatewayMessage.BodyOneofCase.Welcome)
                throw new IOException("no welcome");
            return call;
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }
}
