namespace FleetProfiler.Profiles;

/// <summary>
/// What the producer of a window knows about its frames across windows. <see cref="Keys"/> gives each frame of the
/// window's frame table a key that names the same frame in every window of its source (a stream's location id), or
/// -1; <see cref="Known"/> is the source's memory of the dictionary ids those keys were found to have. With it,
/// <see cref="FrameDictionary.IdsOf(CallTree, List{int}?, out int, FrameIdHint?)"/> looks up only the frames this source
/// has not brought before, instead of hashing every frame's strings in every window (docs/benchmarks.md, "Ingest").
/// </summary>
/// <param name="Known">The source's remembered ids: one per source, and a new one whenever its keys change meaning.</param>
/// <param name="Keys">Per frame id of the window's table, its key, or -1 (no key: looked up every time).</param>
public sealed record FrameIdHint(KnownFrameIds Known, int[] Keys);

/// <summary>
/// One source's remembered dictionary ids, by key (<see cref="FrameIdHint"/>): for one <see cref="FrameDictionary"/> at
/// a time (another dictionary starts it over). Only found ids are remembered, since a dictionary's ids never change
/// meaning; a frame the dictionary did not have is looked up again next time. Keys at or past
/// <see cref="MaxKey"/> are never remembered, which bounds its memory. Thread-safe.
/// </summary>
public sealed class KnownFrameIds
{
    /// <summary>Keys from this one on are looked up every time.</summary>
    public const int MaxKey = 1 << 20;

    internal readonly Lock Gate = new();
    internal FrameDictionary? Dictionary;
    // Per key: its id + 1; 0 = not known.
    private int[] _ids = [];

    /// <summary>Ids remembered.</summary>
    public int Count { get; private set; }

    internal bool TryGet(int key, out int id)
    {
        id = (uint)key < (uint)_ids.Length ? _ids[key] - 1 : -1;
        return id >= 0;
    }

    internal void Remember(int key, int id)
    {
        if ((uint)key >= MaxKey) return;
        if (key >= _ids.Length) Array.Resize(ref _ids, Math.Max(key + 1, Math.Min(MaxKey, Math.Max(64, _ids.Length * 2))));
        if (_ids[key] == 0) Count++;
        _ids[key] = id + 1;
    }

    internal void StartOver(FrameDictionary dictionary)
    {
        Dictionary = dictionary;
        _ids = [];
        Count = 0;
    }
}
