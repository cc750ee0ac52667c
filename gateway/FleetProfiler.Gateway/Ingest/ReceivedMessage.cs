using FleetProfiler.Protocol.V1;
using Google.Protobuf;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// An agent message as it came off the stream: its bytes, parsed only when the session gets to it. A batch that waits
/// for admission (<see cref="IngestAdmission"/>) so holds its wire bytes, not the parsed object graph, which is ~3×
/// larger (a self-contained window of 321 KiB parses into ~1.1 MB of strings, locations and samples).
/// </summary>
public sealed class ReceivedMessage(byte[] bytes)
{
    /// <summary><c>fleetprofiler.v1.Ingest/Connect</c> with requests kept as bytes (the same method and wire format as the generated one).</summary>
    public static readonly Method<ReceivedMessage, GatewayMessage> Connect = new(
        MethodType.DuplexStreaming, Protocol.V1.Ingest.Descriptor.FullName, "Connect",
        Marshallers.Create<ReceivedMessage>((m, c) => c.Complete(m.Bytes), c => new ReceivedMessage(c.PayloadAsNewBuffer())),
        Marshallers.Create<GatewayMessage>(
            (m, c) =>
            {
                c.SetPayloadLength(m.CalculateSize());
                m.WriteTo(c.GetBufferWriter());
                c.Complete();
            },
            c => GatewayMessage.Parser.ParseFrom(c.PayloadAsReadOnlySequence())));

    public byte[] Bytes => bytes;

    /// <summary>The message, or INVALID_ARGUMENT (the stream ends) when its bytes are not an agent message.</summary>
    public AgentMessage Parse()
    {
        try
        {
            return AgentMessage.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"a message that is not an AgentMessage ({e.Message})"));
        }
    }
}
