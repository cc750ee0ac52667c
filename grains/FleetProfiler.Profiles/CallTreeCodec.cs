using System.Buffers.Binary;
using System.IO.Compression;

namespace FleetProfiler.Profiles;

/// <summary>Bounds applied while decoding untrusted bytes, so garbage can never allocate without limit.</summary>
/// <param name="MaxNodes">Most nodes a decoded tree may have.</param>
/// <param name="MaxBodyBytes">Most (decompressed) body bytes accepted.</param>
/// <param name="MaxStringBytes">Longest UTF-8 string (function or file name) accepted.</param>
public sealed record CodecLimits(int MaxNodes = 20_000_000, int MaxBodyBytes = 512 * 1024 * 1024, int MaxStringBytes = 64 * 1024)
{
    /// <summary>The default limits.</summary>
    public static CodecLimits Default { get; } = new();
}

/// <summary>
/// Compact, versioned binary form of a <see cref="CallTree"/> and the frames it uses, for grain state and
/// profile-store blobs.
/// </summary>
/// <remarks>
/// Layout (version 1): <c>"FPCT"</c>, version byte, flags byte (bit 0: body is deflate-compressed),
/// varint body length (uncompressed), body, CRC-32 of everything before it (little-endian).
/// Body: string table (count, then length-prefixed UTF-8), frame table (count, then name index,
/// file index + 1 (0 = none), line), nodes (count, root values, then per node in id order: id − parent id,
/// frame index, values). Values: a byte with one bit per non-zero field (cpu, wall, alloc bytes, alloc count)
/// then those fields as zig-zag varints. Only frames and strings the tree uses are written.
/// Version 2 (written only when some node has in-use values, so trees without them keep their version 1 bytes):
/// the same layout with a six-bit value mask (cpu, wall, alloc bytes, alloc count, in-use bytes, in-use count).
/// Both versions decode.
/// Flags bit 1 (since the profile store compacted its rows): the body is Brotli-compressed. Stored windows and buckets
/// are written this way (<see cref="SerializeCompact(CallTree)"/>, <see cref="Compact"/>); rows written before, uncompressed or
/// deflated, keep decoding. A compressed body (either kind) may declare at most <see cref="MaxDeflateRatio"/> times its
/// compressed length, checked before the body is allocated (a decompression bomb is refused); the writer stores a body
/// that compresses better than that (or not at all) uncompressed, so whatever it writes decodes.
/// Flags bit 2 (since the profile store kept a frame dictionary per service): the body names frames by id in the
/// service's <see cref="FrameDictionary"/> and carries no strings (<see cref="SerializeCompact(CallTree, int[])"/>),
/// in columns: used frame count, their dictionary ids ascending (the first, then each gap − 1), node count, then per
/// node in id order the parent offsets, the frame indices (into the used frames), the value masks, and the values.
/// Such bytes decode only with that dictionary (<see cref="Deserialize(ReadOnlySpan{byte}, FrameDictionary?, CodecLimits?)"/>).
/// </remarks>
public static class CallTreeCodec
{
    /// <summary>Newest version: written by <see cref="Serialize"/> when the tree has in-use values.</summary>
    public const byte CurrentVersion = 2;

    /// <summary>Version written for trees without in-use values (four-value mask), as before version 2 existed.</summary>
    public const byte CountersOnlyVersion = 1;

    private static ReadOnlySpan<byte> Magic => "FPCT"u8;
    private const byte FlagDeflate = 1;
    private const byte FlagBrotli = 2;
    private const byte FlagDictionary = 4;

    /// <summary>Brotli quality of <see cref="SerializeCompact(CallTree)"/>: measured on the benchmark windows (docs/benchmarks.md, "Stored bytes").</summary>
    public const int CompactQuality = 4;
    private const int BrotliWindowBits = 22;
    private const int HeaderMin = 4 + 1 + 1 + 1;
    private const int CrcLength = 4;

    /// <summary>Most frames (and strings) a decoded table is sized for before it grows: ~3× a realistic window's.</summary>
    private const int PresizedFrames = 1 << 16;

    /// <summary>Encodes <paramref name="tree"/>; with <paramref name="compress"/> the body is deflated (fastest level).</summary>
    public static byte[] Serialize(CallTree tree, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(tree);
        // Nodes take ~4-6 bytes; frames bring their names (typically 60-120 UTF-8 bytes): size once, no regrowth.
        using var body = ByteWriter.Rent(tree.NodeCount * 6 + tree.Frames.Count * 96 + 256);
        var version = HasGauges(tree) ? CurrentVersion : CountersOnlyVersion;
        WriteBody(tree, body);
        if (!compress) return Framed(version, 0, body.Length, body.WrittenSpan);

        using var compressed = new MemoryStream(body.Length / 3 + 64);
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            deflate.Write(body.WrittenSpan);
        return Framed(version, FlagDeflate, body.Length, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
    }

    /// <summary>Encodes <paramref name="tree"/> with a Brotli-compressed body: the form the profile store keeps.</summary>
    public static byte[] SerializeCompact(CallTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        using var body = ByteWriter.Rent(tree.NodeCount * 6 + tree.Frames.Count * 96 + 256);
        WriteBody(tree, body);
        return Frame(HasGauges(tree) ? CurrentVersion : CountersOnlyVersion, body.WrittenSpan);
    }

    /// <summary>
    /// Encodes <paramref name="tree"/> for the profile store with frames named by their ids in a service's frame
    /// dictionary (flags bit 2, body Brotli-compressed), the ids already looked up and indexed like the tree's frame
    /// table (<see cref="FrameDictionary.IdsOf(CallTree, out int)"/>). When a frame a node uses has id -1 (the
    /// dictionary does not have it), the tree is written self-contained (<see cref="SerializeCompact(CallTree)"/>),
    /// which <see cref="UsesDictionary"/> tells apart.
    /// </summary>
    public static byte[] SerializeCompact(CallTree tree, int[] frameIds)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(frameIds);
        if (frameIds.Length != tree.Frames.Count) throw new ArgumentException($"{frameIds.Length} frame ids for a frame table of {tree.Frames.Count}", nameof(frameIds));
        using var body = ByteWriter.Rent(tree.NodeCount * 6 + 256);
        if (!TryWriteDictionaryBody(tree, frameIds, body)) return SerializeCompact(tree);
        return Frame(HasGauges(tree) ? CurrentVersion : CountersOnlyVersion, body.WrittenSpan, FlagDictionary);
    }

    /// <summary>True when <paramref name="data"/> names its frames by id in a service's frame dictionary (flags bit 2).</summary>
    public static bool UsesDictionary(ReadOnlySpan<byte> data) =>
        data.Length >= HeaderMin && data.StartsWith(Magic) && (data[Magic.Length + 1] & FlagDictionary) != 0;

    /// <summary>The distinct frames the nodes of <paramref name="tree"/> use (its frame table may hold more), in order of first use.</summary>
    public static IReadOnlyList<Frame> FramesUsed(CallTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ReadOnlySpan<long> keys = tree.Keys;
        var seen = new bool[tree.Frames.Count];
        var used = new List<Frame>();
        for (int i = 1; i < keys.Length; i++)
        {
            int f = (int)keys[i];
            if (seen[f]) continue;
            seen[f] = true;
            used.Add(tree.Frames[f]);
        }
        return used;
    }

    /// <summary>
    /// The same tree with a Brotli-compressed body, without decoding it: bytes written by <see cref="Serialize"/>
    /// (plain or deflated) are checked (magic, checksum, version, bounds) and their body recompressed; bytes already
    /// compact come back as they are.
    /// </summary>
    /// <exception cref="ProfileDataException">The data is not a call tree, is corrupt, or exceeds <paramref name="limits"/>.</exception>
    public static byte[] Compact(byte[] data, CodecLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var body = ReadFrame(data, limits ?? CodecLimits.Default, out byte version, out byte flags, out byte[]? rented);
        try { return flags == FlagBrotli || (flags & FlagDictionary) != 0 ? data : Frame(version, body); }
        finally { if (rented is not null) ArrayPool<byte>.Shared.Return(rented); }
    }

    /// <summary>Header, Brotli body (or the plain body when it would compress beyond the decoder's bound) and checksum.</summary>
    private static byte[] Frame(byte version, ReadOnlySpan<byte> body, byte bodyFlags = 0)
    {
        byte[] compressed = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(body.Length));
        try
        {
            if (!BrotliEncoder.TryCompress(body, compressed, out int written, CompactQuality, BrotliWindowBits))
                throw new InvalidOperationException("Brotli compression failed.");
            // Plain when compression does not pay, or pays beyond what the decoder accepts as honest.
            bool keep = written < body.Length && (long)written * MaxDeflateRatio + 64 >= body.Length;
            ReadOnlySpan<byte> payload = keep ? compressed.AsSpan(0, written) : body;
            return Framed(version, (byte)(bodyFlags | (keep ? FlagBrotli : 0)), body.Length, payload);
        }
        finally { ArrayPool<byte>.Shared.Return(compressed); }
    }

    /// <summary>Magic, version, flags, the body's length, <paramref name="payload"/> and the checksum, in one array of the exact size.</summary>
    private static byte[] Framed(byte version, byte flags, int bodyLength, ReadOnlySpan<byte> payload)
    {
        uint length = (uint)bodyLength;
        int lengthBytes = BitOperations.Log2(length | 1) / 7 + 1;
        int size = Magic.Length + 2 + lengthBytes + payload.Length + CrcLength;
        var output = GC.AllocateUninitializedArray<byte>(size);
        Magic.CopyTo(output);
        int at = Magic.Length;
        output[at++] = version;
        output[at++] = flags;
        while (length >= 0x80)
        {
            output[at++] = (byte)(length | 0x80);
            length >>= 7;
        }
        output[at++] = (byte)length;
        payload.CopyTo(output.AsSpan(at));
        at += payload.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(at), Crc32.Compute(output.AsSpan(0, at)));
        return output;
    }

    /// <summary>Decodes bytes written by <see cref="Serialize"/> into a tree with its own frame table.</summary>
    /// <exception cref="ProfileDataException">The data is not a call tree, is truncated or corrupt, or exceeds <paramref name="limits"/>.</exception>
    public static CallTree Deserialize(ReadOnlySpan<byte> data, CodecLimits? limits = null) => Deserialize(data, null, limits);

    /// <summary>
    /// Decodes any stored tree into a tree with its own frame table: one that names frames in a dictionary needs
    /// <paramref name="frames"/>, the dictionary of the service it was stored for.
    /// </summary>
    /// <exception cref="ProfileDataException">
    /// The data is not a call tree, is truncated or corrupt, exceeds <paramref name="limits"/>, or names frames in a
    /// dictionary that is not given or does not have them.
    /// </exception>
    public static CallTree Deserialize(ReadOnlySpan<byte> data, FrameDictionary? frames, CodecLimits? limits = null)
    {
        limits ??= CodecLimits.Default;
        var body = ReadFrame(data, limits, out byte version, out byte flags, out byte[]? rented);
        try
        {
            if ((flags & FlagDictionary) == 0) return ReadBody(body, limits, version);
            if (frames is null) throw new ProfileDataException("The call tree names its frames in a service's frame dictionary, and none was given.");
            return ReadDictionaryBody(body, limits, version, frames);
        }
        finally { if (rented is not null) ArrayPool<byte>.Shared.Return(rented); }
    }

    /// <summary>Deflate's largest expansion (a run of one byte: 258 bytes per 2 bits, ~1032:1); also the most a Brotli body may declare per compressed byte.</summary>
    public const int MaxDeflateRatio = 1032;

    /// <summary>
    /// Checks the frame (magic, checksum, version, flags, declared length) and returns the uncompressed body: a slice of
    /// <paramref name="data"/>, or of <paramref name="rented"/> (from the shared pool; the caller returns it) when compressed.
    /// </summary>
    private static ReadOnlySpan<byte> ReadFrame(ReadOnlySpan<byte> data, CodecLimits limits, out byte version, out byte flags, out byte[]? rented)
    {
        rented = null;
        if (data.Length < HeaderMin + CrcLength || !data.StartsWith(Magic))
            throw new ProfileDataException("Not a FleetProfiler call tree (bad magic or too short).");
        uint expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[^CrcLength..]);
        if (Crc32.Compute(data[..^CrcLength]) != expected)
            throw new ProfileDataException("Call tree checksum mismatch (corrupt or truncated).");

        var header = new ByteReader(data[Magic.Length..^CrcLength]);
        version = header.ReadByte();
        if (version is not (CountersOnlyVersion or CurrentVersion)) throw new ProfileDataException($"Unsupported call tree version {version}.");
        flags = header.ReadByte();
        if (flags is not (0 or FlagDeflate or FlagBrotli or FlagDictionary or (FlagDictionary | FlagBrotli))) throw new ProfileDataException($"Unknown call tree flags 0x{flags:X2}.");
        int bodyLength = header.ReadInt(limits.MaxBodyBytes, "Body length");
        ReadOnlySpan<byte> payload = header.ReadBytes(header.Remaining);

        if ((flags & (FlagDeflate | FlagBrotli)) == 0)
        {
            if (payload.Length != bodyLength) throw new ProfileDataException("Body length does not match the data.");
            return payload;
        }
        // A compressed body declaring more than its bytes may expand to is a lie (a decompression bomb), refused
        // before the body is allocated.
        if (bodyLength > (long)payload.Length * MaxDeflateRatio + 64)
            throw new ProfileDataException($"Body length {bodyLength} is more than {payload.Length} compressed bytes can inflate to.");
        rented = ArrayPool<byte>.Shared.Rent(Math.Max(bodyLength, 1));
        var body = rented.AsSpan(0, bodyLength);
        if ((flags & FlagDeflate) != 0) Inflate(payload, body);
        else Unbrotli(payload, body);
        return body;
    }

    private static void Inflate(ReadOnlySpan<byte> compressed, Span<byte> body)
    {
        try
        {
            using var input = new MemoryStream(compressed.ToArray(), writable: false);
            using var deflate = new DeflateStream(input, CompressionMode.Decompress);
            deflate.ReadExactly(body);
            if (deflate.ReadByte() != -1) throw new ProfileDataException("Compressed body is longer than declared.");
        }
        catch (EndOfStreamException e) { throw new ProfileDataException("Compressed body is shorter than declared.", e); }
        catch (InvalidDataException e) { throw new ProfileDataException("Corrupt compressed body.", e); }
    }

    private static void Unbrotli(ReadOnlySpan<byte> compressed, Span<byte> body)
    {
        using var decoder = new BrotliDecoder();
        var status = decoder.Decompress(compressed, body, out int consumed, out int written);
        if (status == OperationStatus.DestinationTooSmall) throw new ProfileDataException("Compressed body is longer than declared.");
        if (status == OperationStatus.NeedMoreData) throw new ProfileDataException("Compressed body is shorter than declared (truncated stream).");
        if (status != OperationStatus.Done) throw new ProfileDataException("Corrupt compressed body.");
        if (written != body.Length) throw new ProfileDataException("Compressed body is shorter than declared.");
        if (consumed != compressed.Length) throw new ProfileDataException("Trailing bytes after the compressed body.");
    }

    private static void WriteBody(CallTree tree, ByteWriter w)
    {
        FrameTable frames = tree.Frames;
        ReadOnlySpan<long> keys = tree.Keys;
        ReadOnlySpan<SampleValues> self = tree.Self;

        // Number used frames and strings in order of first use.
        int[] frameIndex = new int[frames.Count];
        int[] stringIndex = new int[frames.StringCount];
        Array.Fill(frameIndex, -1);
        Array.Fill(stringIndex, -1);
        var usedFrames = new List<int>();
        var usedStrings = new List<int>();
        for (int i = 1; i < keys.Length; i++)
        {
            int f = (int)keys[i];
            if (frameIndex[f] >= 0) continue;
            frameIndex[f] = usedFrames.Count;
            usedFrames.Add(f);
            Number(frames.GetFunctionStringId(f));
            int file = frames.GetFileStringId(f);
            if (file >= 0) Number(file);
        }

        w.WriteVarint((uint)usedStrings.Count);
        foreach (int s in usedStrings) w.WriteUtf8(frames.GetString(s));
        w.WriteVarint((uint)usedFrames.Count);
        foreach (int f in usedFrames)
        {
            w.WriteVarint((uint)stringIndex[frames.GetFunctionStringId(f)]);
            int file = frames.GetFileStringId(f);
            w.WriteVarint(file >= 0 ? (uint)stringIndex[file] + 1 : 0);
            w.WriteVarint((uint)frames.GetLine(f));
        }
        w.WriteVarint((uint)keys.Length);
        WriteValues(w, self[0]);
        for (int i = 1; i < keys.Length; i++)
        {
            w.WriteVarint((uint)(i - (int)(keys[i] >> 32)));
            w.WriteVarint((uint)frameIndex[(int)keys[i]]);
            WriteValues(w, self[i]);
        }

        void Number(int s)
        {
            if (stringIndex[s] >= 0) return;
            stringIndex[s] = usedStrings.Count;
            usedStrings.Add(s);
        }
    }

    /// <summary>The columns of a dictionary body (see the remarks); false when some used frame has no id.</summary>
    private static bool TryWriteDictionaryBody(CallTree tree, int[] dictionaryId, ByteWriter w)
    {
        ReadOnlySpan<long> keys = tree.Keys;
        ReadOnlySpan<SampleValues> self = tree.Self;
        var seen = new bool[dictionaryId.Length];
        var used = new List<int>();
        for (int i = 1; i < keys.Length; i++)
        {
            int f = (int)keys[i];
            if (seen[f]) continue;
            seen[f] = true;
            int id = dictionaryId[f];
            if (id < 0) return false;
            used.Add(id);
        }
        used.Sort();
        var local = new Dictionary<int, int>(used.Count);
        w.WriteVarint((uint)used.Count);
        long previous = -1;
        foreach (int id in used)
        {
            if (id == previous) continue; // two frames of the tree with one id cannot happen (frames are interned); tolerated
            local[id] = local.Count;
            w.WriteVarint((uint)(id - previous - 1));
            previous = id;
        }
        // The count written must be the distinct ids: rewrite when the tolerated case above dropped some.
        if (local.Count != used.Count) return false;
        w.WriteVarint((uint)keys.Length);
        for (int i = 1; i < keys.Length; i++) w.WriteVarint((uint)(i - (int)(keys[i] >> 32)));
        for (int i = 1; i < keys.Length; i++) w.WriteVarint((uint)local[dictionaryId[(int)keys[i]]]);
        for (int i = 0; i < keys.Length; i++) w.WriteByte((byte)MaskOf(self[i]));
        for (int i = 0; i < keys.Length; i++) WriteFields(w, self[i], MaskOf(self[i]));
        return true;
    }

    private static CallTree ReadDictionaryBody(ReadOnlySpan<byte> body, CodecLimits limits, byte version, FrameDictionary dictionary)
    {
        var r = new ByteReader(body);
        byte maxMask = version == CountersOnlyVersion ? (byte)0xF : (byte)0x3F;
        int known = dictionary.Count;
        int frameCount = r.ReadInt(Math.Min(known, r.Remaining), "Frame count");
        var frames = new FrameTable(Math.Min(frameCount, PresizedFrames), Math.Min(frameCount, PresizedFrames));
        var frameMap = new int[frameCount];
        long id = -1;
        for (int i = 0; i < frameCount; i++)
        {
            id += 1 + r.ReadInt(int.MaxValue, "Frame id gap");
            if (id >= known) throw new ProfileDataException($"Frame id {id} is not in the service's frame dictionary ({known} frames).");
            frameMap[i] = frames.Intern(dictionary[(int)id]);
        }

        // Each node but the root takes at least three bytes (parent offset, frame index, mask).
        int nodeCount = r.ReadInt(Math.Min(limits.MaxNodes, 1L + r.Remaining / 3), "Node count");
        if (nodeCount < 1) throw new ProfileDataException("A call tree has at least its root node.");
        if (frameCount == 0 && nodeCount > 1) throw new ProfileDataException("Nodes without frames.");
        int[] columns = ArrayPool<int>.Shared.Rent(nodeCount * 2);
        try
        {
            Span<int> parents = columns.AsSpan(0, nodeCount);
            Span<int> frameOf = columns.AsSpan(nodeCount, nodeCount);
            for (int i = 1; i < nodeCount; i++)
            {
                int delta = r.ReadInt(i, "Parent offset");
                if (delta == 0) throw new ProfileDataException("A node cannot be its own parent.");
                parents[i] = i - delta;
            }
            for (int i = 1; i < nodeCount; i++) frameOf[i] = r.ReadInt(frameCount - 1L, "Frame index");
            ReadOnlySpan<byte> masks = r.ReadBytes(nodeCount);
            var tree = new CallTree(frames, nodeCount);
            // Parents come first in id order, so nodeMap[parent] is set when a child needs it (reusing parents' slots).
            tree.AddSelf(CallTree.Root, ReadFields(ref r, masks[0], maxMask));
            parents[0] = CallTree.Root;
            for (int i = 1; i < nodeCount; i++)
            {
                int node = tree.GetOrAddChild(parents[parents[i]], frameMap[frameOf[i]]);
                tree.AddSelf(node, ReadFields(ref r, masks[i], maxMask));
                parents[i] = node;
            }
            if (r.Remaining != 0) throw new ProfileDataException("Trailing bytes after the last node.");
            return tree;
        }
        finally { ArrayPool<int>.Shared.Return(columns); }
    }

    private static bool HasGauges(CallTree tree)
    {
        foreach (ref readonly var v in tree.Self)
            if (v.HasGauges) return true;
        return false;
    }

    private static int MaskOf(in SampleValues v) =>
        (v.CpuSamples != 0 ? 1 : 0) | (v.WallSamples != 0 ? 2 : 0) | (v.AllocBytes != 0 ? 4 : 0) | (v.AllocCount != 0 ? 8 : 0)
        | (v.InuseBytes != 0 ? 16 : 0) | (v.InuseCount != 0 ? 32 : 0);

    private static void WriteValues(ByteWriter w, in SampleValues v)
    {
        int mask = MaskOf(v);
        w.WriteByte((byte)mask);
        WriteFields(w, v, mask);
    }

    private static void WriteFields(ByteWriter w, in SampleValues v, int mask)
    {
        if ((mask & 1) != 0) w.WriteSigned(v.CpuSamples);
        if ((mask & 2) != 0) w.WriteSigned(v.WallSamples);
        if ((mask & 4) != 0) w.WriteSigned(v.AllocBytes);
        if ((mask & 8) != 0) w.WriteSigned(v.AllocCount);
        if ((mask & 16) != 0) w.WriteSigned(v.InuseBytes);
        if ((mask & 32) != 0) w.WriteSigned(v.InuseCount);
    }

    private static CallTree ReadBody(ReadOnlySpan<byte> body, CodecLimits limits, byte version)
    {
        var r = new ByteReader(body);
        byte maxMask = version == CountersOnlyVersion ? (byte)0xF : (byte)0x3F;
        // Every count is checked against the bytes left (each entry needs at least one byte per field)
        // before anything is allocated for it.
        int stringCount = r.ReadInt(r.Remaining, "String count");
        var strings = new string[stringCount];
        for (int i = 0; i < stringCount; i++) strings[i] = r.ReadUtf8(limits.MaxStringBytes);

        int frameCount = r.ReadInt(r.Remaining / 3, "Frame count");
        // Sized once for real windows; a larger declared count grows the table as frames are read, so garbage that
        // declares many cannot make it allocate ahead of the bytes it holds.
        var frames = new FrameTable(Math.Min(frameCount, PresizedFrames), Math.Min(stringCount, PresizedFrames));
        var frameMap = new int[frameCount];
        for (int i = 0; i < frameCount; i++)
        {
            int name = r.ReadInt(stringCount - 1L, "Function name index");
            int file = r.ReadInt(stringCount, "File index");
            int line = r.ReadInt(int.MaxValue, "Line");
            frameMap[i] = frames.Intern(strings[name], file == 0 ? null : strings[file - 1], line);
        }

        int nodeCount = r.ReadInt(Math.Min(limits.MaxNodes, 1L + r.Remaining / 3), "Node count");
        if (nodeCount < 1) throw new ProfileDataException("A call tree has at least its root node.");
        var tree = new CallTree(frames, nodeCount);
        var nodeMap = new int[nodeCount];
        tree.AddSelf(CallTree.Root, ReadValues(ref r, maxMask));
        for (int i = 1; i < nodeCount; i++)
        {
            int delta = r.ReadInt(i, "Parent offset");
            if (delta == 0) throw new ProfileDataException("A node cannot be its own parent.");
            int frame = r.ReadInt(frameCount - 1L, "Frame index");
            int node = tree.GetOrAddChild(nodeMap[i - delta], frameMap[frame]);
            nodeMap[i] = node;
            tree.AddSelf(node, ReadValues(ref r, maxMask));
        }
        if (r.Remaining != 0) throw new ProfileDataException("Trailing bytes after the last node.");
        return tree;
    }

    private static SampleValues ReadValues(ref ByteReader r, byte maxMask) => ReadFields(ref r, r.ReadByte(), maxMask);

    private static SampleValues ReadFields(ref ByteReader r, byte mask, byte maxMask)
    {
        if (mask > maxMask) throw new ProfileDataException($"Bad value mask 0x{mask:X2}.");
        long cpu = (mask & 1) != 0 ? r.ReadSigned() : 0;
        long wall = (mask & 2) != 0 ? r.ReadSigned() : 0;
        long bytes = (mask & 4) != 0 ? r.ReadSigned() : 0;
        long count = (mask & 8) != 0 ? r.ReadSigned() : 0;
        long inuseBytes = (mask & 16) != 0 ? r.ReadSigned() : 0;
        long inuseCount = (mask & 32) != 0 ? r.ReadSigned() : 0;
        return new SampleValues(cpu, wall, bytes, count, inuseBytes, inuseCount);
    }
}
