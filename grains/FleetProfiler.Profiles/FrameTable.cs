namespace FleetProfiler.Profiles;

/// <summary>
/// Interns frames to dense int ids (0, 1, 2, …) and their strings to string ids.
/// Append-only: an id, once given, never changes meaning, so several trees (and clones) may share a table.
/// Compaction never mutates a table; it builds a new one (<see cref="CallTree.CompactFrames"/>).
/// Not thread-safe.
/// </summary>
public sealed class FrameTable
{
    private const int NoFile = -1;

    private readonly Dictionary<string, int> _stringIds;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _stringIdsBySpan;
    private string[] _strings;
    private int _stringCount;

    // Struct of arrays: frame id -> name string id, file string id (or NoFile), line.
    private int[] _names;
    private int[] _files;
    private int[] _lines;
    private int _count;
    private readonly Dictionary<FrameKey, int> _frameIds;
    private int _otherId = -1;

    /// <summary>An empty table.</summary>
    public FrameTable() : this(16, 16) { }

    /// <summary>
    /// An empty table with room for <paramref name="frames"/> frames and <paramref name="strings"/> strings before it
    /// grows (a window's translation knows both: its locations and its strings).
    /// </summary>
    public FrameTable(int frames, int strings)
    {
        frames = Math.Max(frames, 16);
        strings = Math.Max(strings, 16);
        _stringIds = new(strings, StringComparer.Ordinal);
        _stringIdsBySpan = _stringIds.GetAlternateLookup<ReadOnlySpan<char>>();
        _strings = new string[strings];
        _names = new int[frames];
        _files = new int[frames];
        _lines = new int[frames];
        _frameIds = new(frames);
    }

    /// <summary>Number of distinct frames.</summary>
    public int Count => _count;

    /// <summary>Number of distinct strings (function names and file names).</summary>
    public int StringCount => _stringCount;

    /// <summary>The frame with id <paramref name="id"/>.</summary>
    public Frame this[int id]
    {
        get
        {
            CheckId(id);
            int file = _files[id];
            return new Frame(_strings[_names[id]], file == NoFile ? null : _strings[file], _lines[id]);
        }
    }

    /// <summary>Function name of frame <paramref name="id"/>.</summary>
    public string GetFunction(int id) { CheckId(id); return _strings[_names[id]]; }

    /// <summary>Source file of frame <paramref name="id"/>, or null when unknown.</summary>
    public string? GetFile(int id) { CheckId(id); int f = _files[id]; return f == NoFile ? null : _strings[f]; }

    /// <summary>Line of frame <paramref name="id"/>, 0 when unknown.</summary>
    public int GetLine(int id) { CheckId(id); return _lines[id]; }

    /// <summary>String id of the function name of frame <paramref name="id"/> (same name, same id).</summary>
    public int GetFunctionStringId(int id) { CheckId(id); return _names[id]; }

    /// <summary>String id of the file of frame <paramref name="id"/>, or -1 when unknown.</summary>
    public int GetFileStringId(int id) { CheckId(id); return _files[id]; }

    /// <summary>The string with string id <paramref name="stringId"/>.</summary>
    public string GetString(int stringId)
    {
        if ((uint)stringId >= (uint)_stringCount) throw new ArgumentOutOfRangeException(nameof(stringId));
        return _strings[stringId];
    }

    /// <summary>
    /// Per frame id: whether it is an <c>[alloc] TypeName</c> pseudo-frame (<see cref="Frame.IsAllocatedType"/>);
    /// null when the table has none, so trees without allocation types pay nothing.
    /// </summary>
    public bool[]? FindAllocatedTypes()
    {
        bool[]? types = null;
        for (int id = 0; id < _count; id++)
        {
            if (_files[id] != NoFile || _lines[id] != 0 || !Frame.IsAllocatedTypeName(_strings[_names[id]])) continue;
            types ??= new bool[_count];
            types[id] = true;
        }
        return types;
    }

    /// <summary>
    /// Per frame id: whether it is an <c>[endpoint] …</c> pseudo-frame (<see cref="Frame.IsEndpoint"/>); null when
    /// the table has none, so trees without endpoints pay nothing.
    /// </summary>
    public bool[]? FindEndpoints()
    {
        bool[]? endpoints = null;
        for (int id = 0; id < _count; id++)
        {
            if (_files[id] != NoFile || _lines[id] != 0 || !Frame.IsEndpointName(_strings[_names[id]])) continue;
            endpoints ??= new bool[_count];
            endpoints[id] = true;
        }
        return endpoints;
    }

    /// <summary>Id of the <c>[other]</c> frame, interned on first use.</summary>
    public int OtherId => _otherId >= 0 ? _otherId : _otherId = Intern(Frame.OtherName);

    /// <summary>Id of <paramref name="frame"/>, adding it when new.</summary>
    public int Intern(in Frame frame) => Intern(frame.Function, frame.File, frame.Line);

    /// <summary>Id of the frame (function, file, line), adding it when new. An empty file means unknown.</summary>
    public int Intern(string function, string? file = null, int line = 0)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfNegative(line);
        int name = InternString(function);
        int fileId = string.IsNullOrEmpty(file) ? NoFile : InternString(file);
        return InternIds(name, fileId, line);
    }

    /// <summary>Id of a frame with only a function name, without allocating when the name is known.</summary>
    public int Intern(ReadOnlySpan<char> function)
    {
        int name = _stringIdsBySpan.TryGetValue(function, out int id) ? id : AddString(function.ToString());
        return InternIds(name, NoFile, 0);
    }

    /// <summary>Looks a frame up without adding it.</summary>
    public bool TryGetId(in Frame frame, out int id)
    {
        id = -1;
        if (frame.Function is null || !_stringIds.TryGetValue(frame.Function, out int name)) return false;
        int file = NoFile;
        if (!string.IsNullOrEmpty(frame.File) && !_stringIds.TryGetValue(frame.File, out file)) return false;
        return _frameIds.TryGetValue(new FrameKey(name, file, frame.Line), out id);
    }

    /// <summary>Interns frame <paramref name="id"/> of another table here and returns its id in this table.</summary>
    public int InternFrom(FrameTable source, int id)
    {
        if (ReferenceEquals(source, this)) { CheckId(id); return id; }
        source.CheckId(id);
        int name = InternString(source._strings[source._names[id]]);
        int file = source._files[id] == NoFile ? NoFile : InternString(source._strings[source._files[id]]);
        return InternIds(name, file, source._lines[id]);
    }

    /// <summary>Looks frame <paramref name="id"/> of another table up here without adding it.</summary>
    internal bool TryGetIdFrom(FrameTable source, int id, out int mapped)
    {
        if (ReferenceEquals(source, this)) { mapped = id; return true; }
        mapped = -1;
        if (!_stringIds.TryGetValue(source._strings[source._names[id]], out int name)) return false;
        int file = NoFile;
        if (source._files[id] != NoFile && !_stringIds.TryGetValue(source._strings[source._files[id]], out file)) return false;
        return _frameIds.TryGetValue(new FrameKey(name, file, source._lines[id]), out mapped);
    }

    internal int InternString(string s) => _stringIds.TryGetValue(s, out int id) ? id : AddString(s);

    internal int InternIds(int name, int file, int line)
    {
        var key = new FrameKey(name, file, line);
        ref int slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_frameIds, key, out bool exists);
        if (exists) return slot;
        if (_count == _names.Length)
        {
            int n = _count * 2;
            Array.Resize(ref _names, n);
            Array.Resize(ref _files, n);
            Array.Resize(ref _lines, n);
        }
        _names[_count] = name;
        _files[_count] = file;
        _lines[_count] = line;
        slot = _count;
        return _count++;
    }

    private int AddString(string s)
    {
        if (_stringCount == _strings.Length) Array.Resize(ref _strings, _stringCount * 2);
        _strings[_stringCount] = s;
        _stringIds.Add(s, _stringCount);
        return _stringCount++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckId(int id)
    {
        if ((uint)id >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(id), id, "Unknown frame id.");
    }

    private readonly record struct FrameKey(int Name, int File, int Line)
    {
        public override int GetHashCode() => HashCode.Combine(Name, File, Line);
    }
}
