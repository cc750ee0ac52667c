using System.Collections.Immutable;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace FleetProfiler.Agent.Coverage;

/// <summary>
/// What crossgen2 inlined into a ReadyToRun image's own compiled methods, read from the image's inlining tables:
/// <c>InliningInfo2</c> (section 114) and <c>CrossModuleInlineInfo</c> (section 119, what crossgen2 10 writes). An
/// inlinee never gets native code of its own, so the rundown cannot see it; when one of its inliners ran, it may have
/// run too. Only pairs inside this image are resolved (<see cref="InlinersByInlinee"/>: method tokens of this module);
/// inlinees of other modules (cross-module ILBody imports, other modules of a version bubble) are only counted.
/// </summary>
/// <param name="InlinersByInlinee">MethodDef token of an inlinee → MethodDef tokens of the compiled methods it was inlined into.</param>
/// <param name="OtherModuleEntries">Entries whose inlinee or inliner lives in another module (not resolved).</param>
public sealed record ReadyToRunInlining(IReadOnlyDictionary<int, int[]> InlinersByInlinee, int OtherModuleEntries)
{
    public const int InliningInfo2Section = 114;
    public const int CrossModuleInlineInfoSection = 119;
    private const uint Signature = 0x00525452; // "RTR"
    private const uint MultiModuleVersionBubble = 0x40;

    public static readonly ReadyToRunInlining None = new(new Dictionary<int, int[]>(), 0);

    public int Pairs => InlinersByInlinee.Values.Sum(i => i.Length);

    /// <summary>True when a compiled method that inlined <paramref name="token"/> is in <paramref name="ran"/>.</summary>
    public bool InlinedIntoAnyOf(int token, HashSet<int> ran) =>
        InlinersByInlinee.TryGetValue(token, out var inliners) && inliners.Any(ran.Contains);

    /// <summary>The image's tables; <see cref="None"/> for an image without a ReadyToRun header.</summary>
    /// <exception cref="BadImageFormatException">A header or table that does not decode.</exception>
    public static ReadyToRunInlining Read(PEReader pe)
    {
        var directory = pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory ?? default;
        if (directory.Size == 0 || !pe.PEHeaders.TryGetDirectoryOffset(directory, out var headerOffset))
        {
            return None;
        }
        var image = pe.GetEntireImage().GetContent();
        var header = new NativeReader(image);
        if (header.UInt32(headerOffset) != Signature)
        {
            throw new BadImageFormatException("no READYTORUN_HEADER signature at the ManagedNativeHeader");
        }
        var flags = header.UInt32(headerOffset + 8);
        var sectionCount = header.UInt32(headerOffset + 12);
        if (sectionCount > 1000)
        {
            throw new BadImageFormatException($"{sectionCount} ReadyToRun sections");
        }
        var inliners = new Dictionary<int, HashSet<int>>();
        var other = 0;
        for (var i = 0; i < sectionCount; i++)
        {
            var at = headerOffset + 16 + (i * 12);
            var type = header.UInt32(at);
            if (type is not (InliningInfo2Section or CrossModuleInlineInfoSection))
            {
                continue;
            }
            var section = new DirectoryEntry((int)header.UInt32(at + 4), (int)header.UInt32(at + 8));
            if (section.Size == 0 || !pe.PEHeaders.TryGetDirectoryOffset(section, out var start))
            {
                continue;
            }
            foreach (var entry in Hashtable(header, (uint)start, (uint)(start + section.Size)))
            {
                var parser = entry;
                other += type == InliningInfo2Section
                    ? ReadInliningInfo2(ref parser, inliners)
                    : ReadCrossModuleEntry(ref parser, (flags & MultiModuleVersionBubble) != 0, inliners);
            }
        }
        return new ReadyToRunInlining(inliners.ToDictionary(p => p.Key, p => p.Value.Order().ToArray()), other);
    }

    /// <summary>An InliningInfo2 entry: count, inlinee RID &lt;&lt; 1 | has-module [module], inliner RID deltas &lt;&lt; 1 | has-module [module]….</summary>
    private static int ReadInliningInfo2(ref NativeParser parser, Dictionary<int, HashSet<int>> inliners)
    {
        var count = (int)parser.Unsigned();
        var inlinee = parser.Unsigned();
        count--;
        var localInlinee = (inlinee & 1) == 0 || SkipModule(ref parser, ref count);
        var rid = 0u;
        var other = localInlinee ? 0 : 1;
        while (count > 0)
        {
            var delta = parser.Unsigned();
            count--;
            rid += delta >> 1;
            var localInliner = (delta & 1) == 0 || SkipModule(ref parser, ref count);
            if (localInlinee && localInliner)
            {
                Add(inliners, inlinee >> 1, rid);
            }
            else if (localInlinee)
            {
                other = 1;
            }
        }
        return other;
    }

    /// <summary>True when the module index that follows is 0 (this module).</summary>
    private static bool SkipModule(ref NativeParser parser, ref int count)
    {
        count--;
        return parser.Unsigned() == 0;
    }

    /// <summary>
    /// A CrossModuleInlineInfo entry: a count of the values that follow, inlinee index &lt;&lt; 2 | has-cross-module-inliners
    /// (2) | cross-module inlinee (1); [module index, multi-module bubbles]; [cross-module inliner count and ILBody
    /// import indices]; then local inliner RID deltas (&lt;&lt; 1 | has-module [module] in multi-module bubbles).
    /// </summary>
    private static int ReadCrossModuleEntry(ref NativeParser parser, bool multiModule, Dictionary<int, HashSet<int>> inliners)
    {
        var count = parser.Unsigned();
        var indexAndFlags = parser.Unsigned();
        count--;
        var crossModuleInlinee = (indexAndFlags & 1) != 0;
        var inlineeModule = 0u;
        if (!crossModuleInlinee && multiModule && count > 0)
        {
            inlineeModule = parser.Unsigned();
            count--;
        }
        if ((indexAndFlags & 2) != 0 && count > 0)
        {
            var crossModuleInliners = parser.Unsigned();
            count--;
            for (var i = 0u; i < crossModuleInliners && count > 0; i++)
            {
                parser.Unsigned();
                count--;
            }
        }
        var local = !crossModuleInlinee && inlineeModule == 0;
        var rid = 0u;
        while (count > 0)
        {
            var value = parser.Unsigned();
            count--;
            var module = inlineeModule;
            if (multiModule)
            {
                rid += value >> 1;
                if ((value & 1) != 0 && count > 0)
                {
                    module = parser.Unsigned();
                    count--;
                }
            }
            else
            {
                rid += value;
            }
            if (local && module == 0)
            {
                Add(inliners, indexAndFlags >> 2, rid);
            }
        }
        return local ? 0 : 1;
    }

    private static void Add(Dictionary<int, HashSet<int>> inliners, uint inlineeRid, uint inlinerRid)
    {
        if (inlineeRid == 0 || inlinerRid == 0 || inlineeRid > 0xFFFFFF || inlinerRid > 0xFFFFFF)
        {
            throw new BadImageFormatException($"method RID {inlineeRid} / {inlinerRid} out of range");
        }
        var inlinee = MetadataTokens.GetToken(MetadataTokens.MethodDefinitionHandle((int)inlineeRid));
        if (!inliners.TryGetValue(inlinee, out var set))
        {
            inliners[inlinee] = set = [];
        }
        set.Add(MetadataTokens.GetToken(MetadataTokens.MethodDefinitionHandle((int)inlinerRid)));
    }

    /// <summary>
    /// Every entry of a NativeFormat hashtable: a header byte (bucket count shift &lt;&lt; 2 | entry index size), a bucket
    /// table of offsets relative to the table's base, and per bucket entries of (low hash byte, relative offset of the entry).
    /// </summary>
    private static IEnumerable<NativeParser> Hashtable(NativeReader image, uint start, uint end)
    {
        var header = image.Byte(start);
        var baseOffset = start + 1;
        var shift = header >> 2;
        var indexSize = header & 3;
        if (shift > 31 || indexSize > 2)
        {
            throw new BadImageFormatException($"NativeHashtable header 0x{header:X2}");
        }
        var buckets = 1u << shift;
        for (var bucket = 0u; bucket < buckets; bucket++)
        {
            var (first, last) = indexSize switch
            {
                0 => (image.Byte(baseOffset + bucket), image.Byte(baseOffset + bucket + 1)),
                1 => ((uint)image.UInt16(baseOffset + (2 * bucket)), (uint)image.UInt16(baseOffset + (2 * bucket) + 2)),
                _ => (image.UInt32((int)(baseOffset + (4 * bucket))), image.UInt32((int)(baseOffset + (4 * bucket) + 4))),
            };
            var parser = new NativeParser(image, baseOffset + first);
            var bucketEnd = baseOffset + last;
            if (bucketEnd > end)
            {
                throw new BadImageFormatException("NativeHashtable bucket beyond its section");
            }
            while (parser.Offset < bucketEnd)
            {
                parser.Byte(); // the entry's low hash byte
                var at = parser.Offset;
                var relative = parser.Signed();
                yield return new NativeParser(image, (uint)(at + relative));
            }
        }
    }

    /// <summary>Little-endian reads of the image, bounds-checked (a corrupt image must not crash the agent).</summary>
    private readonly struct NativeReader(ImmutableArray<byte> image)
    {
        public byte Byte(uint offset) => offset < image.Length ? image[(int)offset] : throw new BadImageFormatException("offset beyond the image");

        public ushort UInt16(uint offset) => (ushort)(Byte(offset) | (Byte(offset + 1) << 8));

        public uint UInt32(int offset) => UInt16((uint)offset) | ((uint)UInt16((uint)offset + 2) << 16);
    }

    /// <summary>NativeFormat's variable-length numbers: the low bits of the first byte say how many bytes follow.</summary>
    private struct NativeParser(NativeReader image, uint offset)
    {
        public uint Offset { get; private set; } = offset;

        public byte Byte() => image.Byte(Offset++);

        public uint Unsigned()
        {
            var first = (uint)Byte();
            if ((first & 1) == 0)
            {
                return first >> 1;
            }
            if ((first & 2) == 0)
            {
                return (first >> 2) | ((uint)Byte() << 6);
            }
            if ((first & 4) == 0)
            {
                return (first >> 3) | ((uint)Byte() << 5) | ((uint)Byte() << 13);
            }
            if ((first & 8) == 0)
            {
                return (first >> 4) | ((uint)Byte() << 4) | ((uint)Byte() << 12) | ((uint)Byte() << 20);
            }
            if ((first & 16) == 0)
            {
                return Byte() | ((uint)Byte() << 8) | ((uint)Byte() << 16) | ((uint)Byte() << 24);
            }
            throw new BadImageFormatException("NativeFormat number with an unknown length");
        }

        /// <summary>As <see cref="Unsigned"/>, the last byte sign-extended (nativeformatreader.h's DecodeSigned).</summary>
        public int Signed()
        {
            var first = (uint)Byte();
            if ((first & 1) == 0)
            {
                return (sbyte)first >> 1;
            }
            if ((first & 2) == 0)
            {
                return (int)(first >> 2) | ((sbyte)Byte() << 6);
            }
            if ((first & 4) == 0)
            {
                return (int)(first >> 3) | (Byte() << 5) | ((sbyte)Byte() << 13);
            }
            if ((first & 8) == 0)
            {
                return (int)(first >> 4) | (Byte() << 4) | (Byte() << 12) | ((sbyte)Byte() << 20);
            }
            if ((first & 16) == 0)
            {
                return Byte() | (Byte() << 8) | (Byte() << 16) | (Byte() << 24);
            }
            throw new BadImageFormatException("NativeFormat number with an unknown length");
        }
    }
}
