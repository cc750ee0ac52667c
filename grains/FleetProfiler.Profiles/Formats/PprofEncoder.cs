using System.IO.Compression;
using Google.Protobuf;

namespace FleetProfiler.Profiles.Formats;

/// <summary>Settings of a pprof export.</summary>
public sealed record PprofOptions
{
    /// <summary>Time between CPU / wall samples; values in nanoseconds are samples × this. Default 1 ms (EventPipe's).</summary>
    public TimeSpan SamplingInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Mean bytes between allocation samples (the alloc profile's period). Default 100 KiB.</summary>
    public long AllocationSamplingBytes { get; init; } = 100 * 1024;

    /// <summary>When collection started (pprof <c>time_nanos</c>).</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>How long collection ran (pprof <c>duration_nanos</c>).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Name of the single mapping, e.g. the service name; empty by default.</summary>
    public string MappingName { get; init; } = "";

    /// <summary>Free-form comments shown by <c>go tool pprof -comments</c>.</summary>
    public IReadOnlyList<string> Comments { get; init; } = [];
}

/// <summary>
/// Writes a <see cref="CallTree"/> as a gzipped pprof <c>profile.proto</c>, field by field with
/// <see cref="CodedOutputStream"/> (no generated code). One sample per node with a non-zero value,
/// one location per distinct frame (function + line), one function per distinct (name, file).
/// </summary>
/// <remarks>
/// Sample types: cpu → <c>samples/count</c>, <c>cpu/nanoseconds</c>; wall → <c>samples/count</c>,
/// <c>wall/nanoseconds</c>; alloc → <c>alloc_objects/count</c>, <c>alloc_space/bytes</c>. The default sample
/// type is the nanoseconds / bytes one, as <c>go tool pprof</c> and Pyroscope expect.
/// </remarks>
public static class PprofEncoder
{
    // profile.proto field numbers.
    private const int ProfileSampleType = 1, ProfileSample = 2, ProfileMapping = 3, ProfileLocation = 4, ProfileFunction = 5,
        ProfileStringTable = 6, ProfileTimeNanos = 9, ProfileDurationNanos = 10, ProfilePeriodType = 11, ProfilePeriod = 12,
        ProfileComment = 13, ProfileDefaultSampleType = 14;

    /// <summary>The gzipped pprof bytes of <paramref name="tree"/> for <paramref name="kind"/>.</summary>
    public static byte[] Encode(CallTree tree, ProfileKind kind, PprofOptions? options = null)
    {
        using var output = new MemoryStream();
        Write(output, tree, kind, options);
        return output.ToArray();
    }

    /// <summary>Writes the gzipped pprof of <paramref name="tree"/> for <paramref name="kind"/> to <paramref name="output"/>.</summary>
    public static void Write(Stream output, CallTree tree, ProfileKind kind, PprofOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(tree);
        options ??= new PprofOptions();
        long intervalNanos = options.SamplingInterval.Ticks * 100;
        ProfileType type = ProfileTypes.Of(kind);
        if (type.IsTimeSampled && intervalNanos <= 0) throw new ArgumentException("SamplingInterval must be positive.", nameof(options));

        var strings = new StringTable();
        // pprof's conventions (as Go's runtime writes them): timer kinds are samples + nanoseconds ("cpu"),
        // allocation kinds are objects + bytes ("alloc_objects", "alloc_space") with a byte sampling period.
        (string Type, string Unit)[] sampleTypes = type.IsTimeSampled
            ? [("samples", "count"), (type.Name, "nanoseconds")]
            : [(type.Name + "_objects", "count"), (type.Name + "_space", type.Unit)];
        var sampleTypeIds = sampleTypes.Select(t => (strings.Id(t.Type), strings.Id(t.Unit))).ToArray();
        (long periodType, long periodUnit, long period) = type.IsTimeSampled
            ? (strings.Id(type.Name), strings.Id("nanoseconds"), intervalNanos)
            : (strings.Id("space"), strings.Id(type.Unit), options.AllocationSamplingBytes);
        long mappingName = strings.Id(options.MappingName);

        // Locations per used frame, functions per distinct (name, file).
        FrameTable frames = tree.Frames;
        ReadOnlySpan<long> keys = tree.Keys;
        ReadOnlySpan<SampleValues> self = tree.Self;
        var locationOf = new ulong[frames.Count];
        var locations = new List<(ulong Function, long Line)>();
        var functionIds = new Dictionary<(int Name, int File), ulong>();
        var functions = new List<(long Name, long File)>();
        for (int i = 1; i < keys.Length; i++)
        {
            int f = (int)keys[i];
            if (locationOf[f] != 0) continue;
            var key = (frames.GetFunctionStringId(f), frames.GetFileStringId(f));
            if (!functionIds.TryGetValue(key, out ulong function))
            {
                functions.Add((strings.Id(frames.GetFunction(f)), strings.Id(frames.GetFile(f) ?? "")));
                functionIds[key] = function = (ulong)functions.Count;
            }
            locations.Add((function, frames.GetLine(f)));
            locationOf[f] = (ulong)locations.Count;
        }
        long[] comments = options.Comments.Select(strings.Id).ToArray();
        long defaultType = sampleTypeIds[1].Item1;

        using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        using var o = new CodedOutputStream(gzip, leaveOpen: true);

        foreach (var (typeId, unitId) in sampleTypeIds) WriteValueType(o, ProfileSampleType, typeId, unitId);

        int[] path = new int[64];
        for (int node = 0; node < keys.Length; node++)
        {
            SampleValues v = self[node];
            (long first, long second) = type.IsTimeSampled
                ? (v.Get(type.Value), unchecked(v.Get(type.Value) * intervalNanos))
                : (v.Get(type.Secondary), v.Get(type.Value));
            if (first == 0 && second == 0) continue;
            int depth = 0;
            for (int n = node; n != CallTree.Root; n = (int)(keys[n] >> 32))
            {
                if (depth == path.Length) Array.Resize(ref path, depth * 2);
                path[depth++] = n;
            }
            WriteSample(o, keys, locationOf, path.AsSpan(0, depth), first, second);
        }

        WriteMapping(o, mappingName);
        for (int i = 0; i < locations.Count; i++) WriteLocation(o, (ulong)i + 1, locations[i].Function, locations[i].Line);
        for (int i = 0; i < functions.Count; i++) WriteFunction(o, (ulong)i + 1, functions[i].Name, functions[i].File);
        foreach (string s in strings.All)
        {
            o.WriteTag(ProfileStringTable, WireFormat.WireType.LengthDelimited);
            o.WriteString(s);
        }
        if (options.Start is { } start) WriteInt64(o, ProfileTimeNanos, (start.UtcTicks - DateTime.UnixEpoch.Ticks) * 100);
        if (options.Duration is { } duration) WriteInt64(o, ProfileDurationNanos, duration.Ticks * 100);
        WriteValueType(o, ProfilePeriodType, periodType, periodUnit);
        WriteInt64(o, ProfilePeriod, period);
        foreach (long c in comments) WriteInt64(o, ProfileComment, c);
        WriteInt64(o, ProfileDefaultSampleType, defaultType);
        o.Flush();
    }

    private static void WriteSample(CodedOutputStream o, ReadOnlySpan<long> keys, ulong[] locationOf, ReadOnlySpan<int> leafFirst, long first, long second)
    {
        int locationBytes = 0;
        foreach (int n in leafFirst) locationBytes += CodedOutputStream.ComputeUInt64Size(locationOf[(int)keys[n]]);
        int valueBytes = CodedOutputStream.ComputeInt64Size(first) + CodedOutputStream.ComputeInt64Size(second);
        int size = (locationBytes > 0 ? 1 + CodedOutputStream.ComputeLengthSize(locationBytes) + locationBytes : 0)
            + 1 + CodedOutputStream.ComputeLengthSize(valueBytes) + valueBytes;
        o.WriteTag(ProfileSample, WireFormat.WireType.LengthDelimited);
        o.WriteLength(size);
        if (locationBytes > 0)
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);   // Sample.location_id, packed, leaf first
            o.WriteLength(locationBytes);
            foreach (int n in leafFirst) o.WriteUInt64(locationOf[(int)keys[n]]);
        }
        o.WriteTag(2, WireFormat.WireType.LengthDelimited);       // Sample.value, packed
        o.WriteLength(valueBytes);
        o.WriteInt64(first);
        o.WriteInt64(second);
    }

    private static void WriteValueType(CodedOutputStream o, int field, long type, long unit)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteLength(Int64FieldSize(1, type) + Int64FieldSize(2, unit));
        WriteInt64(o, 1, type);
        WriteInt64(o, 2, unit);
    }

    private static void WriteMapping(CodedOutputStream o, long filename)
    {
        // One synthetic mapping, fully symbolized, so pprof never tries to symbolize addresses.
        int size = UInt64FieldSize(1, 1) + Int64FieldSize(5, filename) + 3 * 2;
        o.WriteTag(ProfileMapping, WireFormat.WireType.LengthDelimited);
        o.WriteLength(size);
        WriteUInt64(o, 1, 1);
        WriteInt64(o, 5, filename);
        o.WriteTag(7, WireFormat.WireType.Varint); o.WriteBool(true);   // has_functions
        o.WriteTag(8, WireFormat.WireType.Varint); o.WriteBool(true);   // has_filenames
        o.WriteTag(9, WireFormat.WireType.Varint); o.WriteBool(true);   // has_line_numbers
    }

    private static void WriteLocation(CodedOutputStream o, ulong id, ulong function, long line)
    {
        int lineSize = UInt64FieldSize(1, function) + Int64FieldSize(2, line);
        int size = UInt64FieldSize(1, id) + UInt64FieldSize(2, 1) + 1 + CodedOutputStream.ComputeLengthSize(lineSize) + lineSize;
        o.WriteTag(ProfileLocation, WireFormat.WireType.LengthDelimited);
        o.WriteLength(size);
        WriteUInt64(o, 1, id);
        WriteUInt64(o, 2, 1);                                   // mapping_id
        o.WriteTag(4, WireFormat.WireType.LengthDelimited);     // Line
        o.WriteLength(lineSize);
        WriteUInt64(o, 1, function);
        WriteInt64(o, 2, line);
    }

    private static void WriteFunction(CodedOutputStream o, ulong id, long name, long file)
    {
        int size = UInt64FieldSize(1, id) + Int64FieldSize(2, name) + Int64FieldSize(3, name) + Int64FieldSize(4, file);
        o.WriteTag(ProfileFunction, WireFormat.WireType.LengthDelimited);
        o.WriteLength(size);
        WriteUInt64(o, 1, id);
        WriteInt64(o, 2, name);
        WriteInt64(o, 3, name);   // system_name
        WriteInt64(o, 4, file);
    }

    // proto3: zero scalars are omitted.
    private static int Int64FieldSize(int field, long value) =>
        value == 0 ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeInt64Size(value);

    private static int UInt64FieldSize(int field, ulong value) =>
        value == 0 ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeUInt64Size(value);

    private static void WriteInt64(CodedOutputStream o, int field, long value)
    {
        if (value == 0) return;
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt64(value);
    }

    private static void WriteUInt64(CodedOutputStream o, int field, ulong value)
    {
        if (value == 0) return;
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteUInt64(value);
    }

    /// <summary>pprof's string table: index 0 is always "".</summary>
    private sealed class StringTable
    {
        private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal) { [""] = 0 };
        public List<string> All { get; } = [""];

        public long Id(string s)
        {
            if (_ids.TryGetValue(s, out long id)) return id;
            _ids[s] = id = All.Count;
            All.Add(s);
            return id;
        }
    }
}
