using System.Runtime.CompilerServices;

namespace FleetProfiler.Profiles;

/// <summary>
/// A call tree handed from one part of a process to another as its encoded bytes (the form the grain interface
/// carries, so that any silo can take it) without decoding it again when both ends are in the same process.
/// <see cref="Encode"/> keeps the tree beside the array it returns, for as long as that array lives; <see cref="Decode"/>
/// given that very array returns the tree instead of decoding it. Any other array — bytes that crossed to another
/// silo, a copy, bytes from a caller of the grain interface — is decoded as usual. The gateway encodes each window
/// here and the profile store decodes here: Orleans hands an <c>[Immutable]</c> upload to a grain of the same silo by
/// reference, so a window is parsed once per process instead of twice (docs/benchmarks.md, "Ingest").
/// The tree is shared: neither side may change it after <see cref="Encode"/>.
/// </summary>
public static class TreeHandoff
{
    private static readonly ConditionalWeakTable<byte[], CallTree> Trees = new();

    /// <summary><see cref="CallTreeCodec.Serialize"/>, remembering <paramref name="tree"/> for the returned array.</summary>
    public static byte[] Encode(CallTree tree)
    {
        var bytes = CallTreeCodec.Serialize(tree);
        Trees.AddOrUpdate(bytes, tree);
        return bytes;
    }

    /// <summary>The tree <paramref name="bytes"/> were encoded from by <see cref="Encode"/>, else <see cref="CallTreeCodec.Deserialize(ReadOnlySpan{byte}, CodecLimits?)"/>.</summary>
    public static CallTree Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return Trees.TryGetValue(bytes, out var tree) ? tree : CallTreeCodec.Deserialize(bytes);
    }
}
