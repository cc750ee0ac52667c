using System.Collections.Concurrent;

namespace FleetProfiler.Profiles;

/// <summary>
/// One service's frames numbered 0, 1, 2, … by the profile store, which keeps them in a table of their own so that
/// stored trees name frames by id instead of carrying their strings (<see cref="CallTreeCodec.SerializeCompact(CallTree, int[])"/>).
/// Append-only: an id, once given, never changes meaning. This is the silo's in-memory copy of the committed part of
/// that table; it only ever holds frames whose rows are committed, so a tree encoded with its ids is always readable.
/// Safe for any number of readers while one writer appends (appends are serialized).
/// </summary>
public sealed class FrameDictionary
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<Frame, int> _ids = new(FrameComparer.Instance);
    // Strings shared by the frames (a function has a frame per line).
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private Frame[] _frames = new Frame[64];
    private int _count;

    /// <summary>Frames known: ids 0 to Count − 1.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The frame with id <paramref name="id"/>.</summary>
    public Frame this[int id]
    {
        get
        {
            if ((uint)id >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(id), id, $"Frame id {id} is not in the dictionary ({Count} frames).");
            return Volatile.Read(ref _frames)[id];
        }
    }

    /// <summary>The id of <paramref name="frame"/>, or -1 when the dictionary does not have it.</summary>
    public int IdOf(Frame frame) => _ids.TryGetValue(frame, out var id) ? id : -1;

    /// <summary>
    /// The ids of the frames <paramref name="tree"/>'s nodes use, indexed like its frame table (one lookup per used
    /// frame): -1 for a frame no node uses and for one the dictionary does not have; <paramref name="missing"/> counts
    /// the latter. What <see cref="CallTreeCodec.SerializeCompact(CallTree, int[])"/> takes.
    /// </summary>
    public int[] IdsOf(CallTree tree, out int missing) => IdsOf(tree, null, out missing);

    /// <summary>
    /// As <see cref="IdsOf(CallTree, out int)"/>, adding to <paramref name="missingFrames"/> the frame-table index of
    /// each used frame the dictionary does not have, in order of first use.
    /// </summary>
    public int[] IdsOf(CallTree tree, List<int>? missingFrames, out int missing) => IdsOf(tree, missingFrames, out missing, null);

    /// <summary>
    /// As <see cref="IdsOf(CallTree, List{int}?, out int)"/>, taking the ids of frames with a key in <paramref name="hint"/>
    /// from what its source remembered instead of looking them up, and remembering those found.
    /// </summary>
    public int[] IdsOf(CallTree tree, List<int>? missingFrames, out int missing, FrameIdHint? hint)
    {
        ArgumentNullException.ThrowIfNull(tree);
        if (hint is null) return Look(tree, missingFrames, out missing, null, null);
        var known = hint.Known;
        lock (known.Gate)
        {
            if (!ReferenceEquals(known.Dictionary, this)) known.StartOver(this);
            return Look(tree, missingFrames, out missing, known, hint.Keys);
        }
    }

    private int[] Look(CallTree tree, List<int>? missingFrames, out int missing, KnownFrameIds? known, int[]? keys)
    {
        var frames = tree.Frames;
        ReadOnlySpan<long> nodes = tree.Keys;
        var ids = new int[frames.Count];
        var seen = new bool[frames.Count];
        missing = 0;
        Array.Fill(ids, -1);
        for (int i = 1; i < nodes.Length; i++)
        {
            int f = (int)nodes[i];
            if (seen[f]) continue;
            seen[f] = true;
            int key = keys is not null && f < keys.Length ? keys[f] : -1;
            if (key >= 0 && known!.TryGet(key, out int id))
            {
                ids[f] = id;
                continue;
            }
            if ((ids[f] = IdOf(frames[f])) >= 0)
            {
                if (key >= 0) known!.Remember(key, ids[f]);
                continue;
            }
            missing++;
            missingFrames?.Add(f);
        }
        return ids;
    }

    /// <summary>
    /// Records that ids <paramref name="firstId"/>, <paramref name="firstId"/> + 1, … are <paramref name="frames"/>
    /// (committed rows). Ids already known are skipped (they must name the same frames); a gap (a first id past
    /// <see cref="Count"/>) is not appended, since the frames before it are unknown: the next read from the store
    /// catches up. Returns the frames appended.
    /// </summary>
    /// <exception cref="InvalidOperationException">A known id names another frame: the store and this copy disagree.</exception>
    public int Append(int firstId, IReadOnlyList<Frame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfNegative(firstId);
        lock (_gate)
        {
            if (firstId > _count) return 0;
            var appended = 0;
            for (var i = 0; i < frames.Count; i++)
            {
                var id = firstId + i;
                if (id < _count)
                {
                    if (_frames[id] != frames[i]) throw new InvalidOperationException($"Frame id {id} is '{_frames[id]}' here and '{frames[i]}' in the store.");
                    continue;
                }
                var f = frames[i];
                var frame = new Frame(Share(f.Function), f.File is null ? null : Share(f.File), f.Line);
                if (_count == _frames.Length)
                {
                    var grown = new Frame[_count * 2];
                    Array.Copy(_frames, grown, _count);
                    Volatile.Write(ref _frames, grown);
                }
                _frames[_count] = frame;
                _ids.TryAdd(frame, _count);
                // Published last: a reader that sees the count sees the frame (and an array that holds it).
                Volatile.Write(ref _count, _count + 1);
                appended++;
            }
            return appended;
        }
    }

    private string Share(string s)
    {
        if (_strings.TryGetValue(s, out var shared)) return shared;
        _strings.Add(s, s);
        return s;
    }

    /// <summary>
    /// Frame equality with XxHash3 over the names' characters, seeded per process (crafted names cannot force
    /// collisions): the store looks up every frame of every window it writes, and profile names are long, where the
    /// default string hash is several times slower.
    /// </summary>
    private sealed class FrameComparer : IEqualityComparer<Frame>
    {
        public static readonly FrameComparer Instance = new();
        private static readonly long Seed = Random.Shared.NextInt64();

        public bool Equals(Frame a, Frame b) => a.Line == b.Line && string.Equals(a.Function, b.Function) && string.Equals(a.File, b.File);

        public int GetHashCode(Frame f)
        {
            ulong h = System.IO.Hashing.XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.Function.AsSpan()), Seed);
            if (f.File is not null) h = (h * 0x9E3779B97F4A7C15) ^ System.IO.Hashing.XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.File.AsSpan()), Seed);
            h = (h * 0x9E3779B97F4A7C15) ^ (uint)f.Line;
            return (int)(h ^ (h >> 32));
        }
    }
}
