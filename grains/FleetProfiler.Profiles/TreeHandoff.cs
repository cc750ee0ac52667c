using System.Runtime.CompilerServices;

namespace FleetProfiler.Profiles;

/// <summary>
/// A call tree handed from one part of a process to another as its encoded bytes (the form the grain interface
/// carries, so that any silo can take it) without decoding it again when both ends are in the same process.
/// <see cref="Encode"/> keeps the tree beside the array it returns, for as long as that array lives or until
/// <see cref="Decode(byte[])"/>, given that very array, takes the tree instead of decoding it (once: the tree is not kept alive
/// beside bytes that may live on the large object heap until a full collection). Any other array — bytes that crossed to another
/// silo, a copy, bytes from a caller of the grain interface — is decoded as usual. The gateway encodes each window
/// here and the profile store decodes here: Orleans hands an <c>[Immutable]</c> upload to a grain of the same silo by
/// reference, so a window is parsed once per process instead of twice (docs/benchmarks.md, "Ingest").
/// The tree is shared: neither side may change it after <see cref="Encode"/>.
/// </summary>
public static class TreeHandoff
{
    private static readonly ConditionalWeakTable<byte[], Handed> Trees = new();

    /// <summary>
    /// <see cref="CallTreeCodec.Serialize"/>, remembering <paramref name="tree"/> (and what its producer knows of its
    /// frames, <paramref name="hint"/>) for the returned array.
    /// </summary>
    public static byte[] Encode(CallTree tree, FrameIdHint? hint = null)
    {
        var bytes = CallTreeCodec.Serialize(tree);
        Trees.AddOrUpdate(bytes, new Handed(tree, hint));
        return bytes;
    }

    /// <summary>
    /// The tree <paramref name="bytes"/> were encoded from by <see cref="Encode"/>, taken (a second call decodes), else
    /// <see cref="CallTreeCodec.Deserialize(ReadOnlySpan{byte}, CodecLimits?)"/>.
    /// </summary>
    public static CallTree Decode(byte[] bytes) => Decode(bytes, out _);

    /// <summary>As <see cref="Decode(byte[])"/>, with the hint the tree was handed with (null for decoded bytes).</summary>
    public static CallTree Decode(byte[] bytes, out FrameIdHint? hint)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        hint = null;
        if (!Trees.TryGetValue(bytes, out var handed)) return CallTreeCodec.Deserialize(bytes);
        Trees.Remove(bytes);
        hint = handed.Hint;
        return handed.Tree;
    }

    private sealed record Handed(CallTree Tree, FrameIdHint? Hint);
}
