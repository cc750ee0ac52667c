using System.Buffers;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FleetProfiler.Benchmarks.Workload;

/// <summary>
/// An AgentMessage on the wire without re-serializing the big part: field 2 (batch) = header bytes + body bytes, written
/// straight into gRPC's buffer. Lets a 2-core machine spend its CPU on the silo, not on the load generator.
/// </summary>
public sealed class RawAgentMessage(byte[] header, byte[]? body)
{
    public byte[] Header { get; } = header;
    public byte[]? Body { get; } = body;

    public static RawAgentMessage Of(AgentMessage message) => new(message.ToByteArray(), null);

    public static RawAgentMessage Batch(byte[] header, byte[] body) => new(header, body);

    public int Length => Body is null ? Header.Length : 1 + CodedOutputStream.ComputeLengthSize(Header.Length + Body.Length) + Header.Length + Body.Length;

    public void WriteTo(IBufferWriter<byte> writer)
    {
        if (Body is null) { writer.Write(Header); return; }
        Span<byte> prefix = stackalloc byte[6];
        prefix[0] = (2 << 3) | 2; // AgentMessage.batch, length-delimited
        var n = 1;
        for (var v = (uint)(Header.Length + Body.Length); ; v >>= 7)
        {
            if (v < 0x80) { prefix[n++] = (byte)v; break; }
            prefix[n++] = (byte)(v | 0x80);
        }
        writer.Write(prefix[..n]);
        writer.Write(Header);
        writer.Write(Body);
    }
}

public static class RawIngest
{
    private static readonly Marshaller<RawAgentMessage> Request = Marshallers.Create<RawAgentMessage>(
        (message, context) =>
        {
            context.SetPayloadLength(message.Length);
            message.WriteTo(context.GetBufferWriter());
            context.Complete();
        },
        _ => throw new NotSupportedException());

    private static readonly Marshaller<GatewayMessage> Response = Marshallers.Create(
        (GatewayMessage m, SerializationContext c) => throw new NotSupportedException(),
        c => GatewayMessage.Parser.ParseFrom(c.PayloadAsReadOnlySequence()));

    /// <summary><c>fleetprofiler.v1.Ingest/Connect</c> with a raw request marshaller (same method, same bytes on the wire).</summary>
    public static readonly Method<RawAgentMessage, GatewayMessage> Connect =
        new(MethodType.DuplexStreaming, "fleetprofiler.v1.Ingest", "Connect", Request, Response);
}
