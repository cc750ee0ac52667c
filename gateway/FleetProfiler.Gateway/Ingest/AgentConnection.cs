using System.Threading.Channels;
using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// One agent's stream as a grain observer: host grains call it to queue commands, and a single writer loop
/// owns the response stream (gRPC allows one writer at a time).
/// </summary>
public sealed class AgentConnection : IAgentConnection
{
    private readonly Channel<GatewayMessage> _outbox = Channel.CreateBounded<GatewayMessage>(
        new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<GatewayMessage> Outbox => _outbox.Reader;

    public ValueTask SendAsync(GatewayMessage message, CancellationToken ct) => _outbox.Writer.WriteAsync(message, ct);

    public void Complete() => _outbox.Writer.TryComplete();

    Task IAgentConnection.SendAsync(AgentCommand command)
    {
        var message = new GatewayMessage
        {
            Command = new Command
            {
                Id = command.Id,
                Action = command.Action == AgentCommandAction.Start ? Command.Types.Action.Start : Command.Types.Action.Stop,
                Kind = command.Kind,
                Pid = command.ProcessId,
                Seconds = command.Seconds,
            },
        };
        return _outbox.Writer.TryWrite(message)
            ? Task.CompletedTask
            : Task.FromException(new InvalidOperationException("The agent's stream is closed or backed up."));
    }
}
