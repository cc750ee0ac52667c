using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Storage;

/// <summary>
/// The encoding a profile store keeps trees in: Brotli-compressed bodies (<see cref="CallTreeCodec.Compact"/>), about a
/// tenth of the plain encoding. Rows written before keep their encoding and stay readable: the codec reads every
/// version and flag (docs/benchmarks.md, "Stored bytes").
/// </summary>
public static class StoredTrees
{
    /// <summary>
    /// The bytes to store for an encoded tree. Bytes that are not a call tree are kept as they are, so that the rollup
    /// quarantines them with their payload, as for any undecodable row.
    /// </summary>
    public static byte[] Compact(byte[] tree)
    {
        // Already compact, and only readable with its service's dictionary.
        if (CallTreeCodec.UsesDictionary(tree)) return tree;
        try { return CallTreeCodec.Compact(tree); }
        catch (ProfileDataException) { return tree; }
    }
}
