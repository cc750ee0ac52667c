using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Protocol;

/// <summary>
/// What one entry of a stream's dictionary counts against <c>max_dictionary_bytes</c> (docs/protocol.md, "Stream
/// interning"): about the memory the gateway holds for it. Agent and gateway count with the same figures.
/// </summary>
public static class StreamDictionaryCost
{
    public static long String(string s) => 32 + 2L * s.Length;

    public const long Function = 12;

    public const long Location = 8;

    public static long Stack(int frames) => 32 + 4L * frames;
}

/// <summary>
/// The canonical order of a self-contained batch's tables: <c>strings[0]</c> = "", then every entry in the order a walk
/// over the samples first reaches it (per sample: its stack's locations root first, each location's function with
/// that function's name, file and original file, then the location, then the stack; then the allocated type, then
/// each label's key and value), with no entry unreferenced and no two entries alike. The agent's
/// <c>BatchTables</c> builds this order; <see cref="StreamDictionary"/> expands an interned batch into it.
/// </summary>
public static class CanonicalTables
{
    /// <summary>Stack equality by content (the dictionary's stacks are location-id arrays).</summary>
    public sealed class StackComparer : IEqualityComparer<uint[]>
    {
        public static readonly StackComparer Instance = new();

        public bool Equals(uint[]? x, uint[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(uint[] stack)
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(stack.AsSpan()));
            return hash.ToHashCode();
        }
    }
}

/// <summary>
/// The agent's half of stream interning: one per stream, from the welcome to the stream's end. Turns a self-contained
/// batch (as spooled) into an interned one that sends only the entries this stream has not sent before; the spool
/// keeps the self-contained batch, so a resend on the next stream needs no state. A batch that is not in canonical
/// order (<see cref="CanonicalTables"/>), has no samples, or would not fit the dictionary even alone is sent
/// self-contained and leaves the dictionary as it is. When a batch's new entries would pass the cap, the dictionary
/// starts again (that batch's bases are 0).
/// </summary>
public sealed class StreamInterner(long maxDictionaryBytes)
{
    private const uint Unseen = uint.MaxValue;

    private readonly Dictionary<string, uint> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<(uint Name, uint File, uint OriginalFile), uint> _functions = [];
    private readonly Dictionary<(uint Function, uint Line), uint> _locations = [];
    private readonly Dictionary<uint[], uint> _stacks = new(CanonicalTables.StackComparer.Instance);
    private volatile bool _resetRequested;

    /// <summary>The dictionary's size in dictionary bytes (<see cref="StreamDictionaryCost"/>).</summary>
    public long DictionaryBytes { get; private set; }

    public int Strings => _strings.Count;

    public int Stacks => _stacks.Count;

    /// <summary>The next interned batch starts a new dictionary (thread-safe: called when the gateway rejected one).</summary>
    public void Reset() => _resetRequested = true;

    /// <summary>The batch to send for <paramref name="batch"/>: interned against this stream's dictionary, or itself.</summary>
    public Batch Encode(Batch batch)
    {
        if (batch.Interning is not null || batch.Samples.Count == 0 || batch.Strings.Count == 0 || batch.Strings[0].Length != 0) return batch;
        if (_resetRequested)
        {
            _resetRequested = false;
            Clear();
        }
        var walk = new Walk(this, batch);
        if (!walk.Run()) return batch;
        if (DictionaryBytes + walk.NewBytes > maxDictionaryBytes)
        {
            walk.Undo();
            if (_strings.Count == 0) return batch;
            Clear();
            walk = new Walk(this, batch);
            if (!walk.Run()) return batch;
            if (walk.NewBytes > maxDictionaryBytes)
            {
                walk.Undo();
                return batch;
            }
        }
        DictionaryBytes += walk.NewBytes;
        return walk.Wire();
    }

    private void Clear()
    {
        _strings.Clear();
        _functions.Clear();
        _locations.Clear();
        _stacks.Clear();
        DictionaryBytes = 0;
    }

    /// <summary>One batch's canonical walk: local index → stream id, adding new entries (undone if the batch is not canonical).</summary>
    private sealed class Walk
    {
        private readonly StreamInterner _d;
        private readonly Batch _b;
        private readonly uint[] _strings, _functions, _locations, _stacks;
        private readonly HashSet<uint> _usedStrings = [], _usedFunctions = [], _usedLocations = [], _usedStacks = [];
        private readonly List<string> _newStrings = [];
        private readonly List<(uint, uint, uint)> _newFunctions = [];
        private readonly List<(uint, uint)> _newLocations = [];
        private readonly List<uint[]> _newStacks = [];
        private readonly uint _stringsBase, _functionsBase, _locationsBase, _stacksBase;
        private int _nextString = 1, _nextFunction, _nextLocation, _nextStack;

        public long NewBytes { get; private set; }

        public Walk(StreamInterner dictionary, Batch batch)
        {
            _d = dictionary;
            _b = batch;
            _strings = Fill(batch.Strings.Count);
            _functions = Fill(batch.Functions.Count);
            _locations = Fill(batch.Locations.Count);
            _stacks = Fill(batch.Stacks.Count);
            _stringsBase = (uint)_d._strings.Count;
            _functionsBase = (uint)_d._functions.Count;
            _locationsBase = (uint)_d._locations.Count;
            _stacksBase = (uint)_d._stacks.Count;
            if (_d._strings.Count == 0) Add("");
            _strings[0] = 0;
            _usedStrings.Add(0);
        }

        private static uint[] Fill(int n)
        {
            var a = new uint[n];
            Array.Fill(a, Unseen);
            return a;
        }

        /// <summary>Maps every entry; false (and nothing added) when the batch is not in canonical order.</summary>
        public bool Run()
        {
            try
            {
                foreach (var sample in _b.Samples)
                {
                    Stack(sample.Stack);
                    String(sample.AllocatedType);
                    foreach (var label in sample.Labels)
                    {
                        String(label.Key);
                        String(label.Value);
                    }
                }
                if (_nextString == _b.Strings.Count && _nextFunction == _b.Functions.Count && _nextLocation == _b.Locations.Count && _nextStack == _b.Stacks.Count)
                    return true;
            }
            catch (NotCanonicalException)
            {
            }
            Undo();
            return false;
        }

        public void Undo()
        {
            foreach (var s in _newStrings) _d._strings.Remove(s);
            foreach (var f in _newFunctions) _d._functions.Remove(f);
            foreach (var l in _newLocations) _d._locations.Remove(l);
            foreach (var k in _newStacks) _d._stacks.Remove(k);
            _newStrings.Clear();
            _newFunctions.Clear();
            _newLocations.Clear();
            _newStacks.Clear();
            NewBytes = 0;
        }

        /// <summary>The interned batch: the header, the new entries, the samples with stream ids.</summary>
        public Batch Wire()
        {
            var wire = _b.Clone();
            wire.Strings.Clear();
            wire.Functions.Clear();
            wire.Locations.Clear();
            wire.Stacks.Clear();
            wire.Samples.Clear();
            wire.Interning = new Interning { StringsBase = _stringsBase, FunctionsBase = _functionsBase, LocationsBase = _locationsBase, StacksBase = _stacksBase };
            wire.Strings.Add(_newStrings);
            foreach (var (name, file, original) in _newFunctions) wire.Functions.Add(new Function { Name = name, File = file, OriginalFile = original });
            foreach (var (function, line) in _newLocations) wire.Locations.Add(new Location { Function = function, Line = line });
            foreach (var stack in _newStacks)
            {
                var s = new Stack();
                s.Locations.Add(stack);
                wire.Stacks.Add(s);
            }
            foreach (var sample in _b.Samples)
            {
                var s = sample.Clone();
                s.Stack = _stacks[sample.Stack];
                s.AllocatedType = _strings[sample.AllocatedType];
                foreach (var label in s.Labels)
                {
                    label.Key = _strings[label.Key];
                    label.Value = _strings[label.Value];
                }
                wire.Samples.Add(s);
            }
            return wire;
        }

        private static uint First(uint[] map, uint local, ref int next)
        {
            if (local >= map.Length) throw new NotCanonicalException();
            if (map[local] != Unseen) return map[local];
            if (local != next) throw new NotCanonicalException();
            next++;
            return Unseen;
        }

        private static void Claim(uint[] map, uint local, uint id, HashSet<uint> used)
        {
            // Two entries of the batch alike would expand into one: not canonical.
            if (!used.Add(id)) throw new NotCanonicalException();
            map[local] = id;
        }

        private uint String(uint local)
        {
            if (First(_strings, local, ref _nextString) is var known && known != Unseen) return known;
            var text = _b.Strings[(int)local];
            if (!_d._strings.TryGetValue(text, out var id)) id = Add(text);
            Claim(_strings, local, id, _usedStrings);
            return id;
        }

        private uint Add(string text)
        {
            var id = (uint)_d._strings.Count;
            _d._strings.Add(text, id);
            _newStrings.Add(text);
            NewBytes += StreamDictionaryCost.String(text);
            return id;
        }

        private uint Function(uint local)
        {
            if (First(_functions, local, ref _nextFunction) is var known && known != Unseen) return known;
            var f = _b.Functions[(int)local];
            var key = (String(f.Name), String(f.File), String(f.OriginalFile));
            if (!_d._functions.TryGetValue(key, out var id))
            {
                _d._functions.Add(key, id = (uint)_d._functions.Count);
                _newFunctions.Add(key);
                NewBytes += StreamDictionaryCost.Function;
            }
            Claim(_functions, local, id, _usedFunctions);
            return id;
        }

        private uint Location(uint local)
        {
            if (First(_locations, local, ref _nextLocation) is var known && known != Unseen) return known;
            var l = _b.Locations[(int)local];
            var key = (Function(l.Function), l.Line);
            if (!_d._locations.TryGetValue(key, out var id))
            {
                _d._locations.Add(key, id = (uint)_d._locations.Count);
                _newLocations.Add(key);
                NewBytes += StreamDictionaryCost.Location;
            }
            Claim(_locations, local, id, _usedLocations);
            return id;
        }

        private uint Stack(uint local)
        {
            if (First(_stacks, local, ref _nextStack) is var known && known != Unseen) return known;
            var frames = _b.Stacks[(int)local].Locations;
            var key = new uint[frames.Count];
            for (var i = 0; i < key.Length; i++) key[i] = Location(frames[i]);
            if (!_d._stacks.TryGetValue(key, out var id))
            {
                _d._stacks.Add(key, id = (uint)_d._stacks.Count);
                _newStacks.Add(key);
                NewBytes += StreamDictionaryCost.Stack(key.Length);
            }
            Claim(_stacks, local, id, _usedStacks);
            return id;
        }
    }

    private sealed class NotCanonicalException : Exception;
}

/// <summary>
/// The gateway's half of stream interning: one per stream. Checks an interned batch against the dictionary, adds its
/// new entries, and expands it into the self-contained batch in canonical order (<see cref="CanonicalTables"/>), which
/// is then validated, translated and stored exactly as a batch from an agent that does not intern. A batch whose
/// interning is wrong (a base that does not continue the dictionary, an id not in it, the cap passed) is refused with
/// a message naming the field, and the dictionary is left as it was.
/// </summary>
public sealed class StreamDictionary(long maxDictionaryBytes, int maxStringLength, int maxFramesPerStack)
{
    private readonly List<string> _strings = [];
    private readonly List<(uint Name, uint File, uint OriginalFile)> _functions = [];
    private readonly List<(uint Function, uint Line)> _locations = [];
    private readonly List<uint[]> _stacks = [];

    /// <summary>The dictionary's size in dictionary bytes (<see cref="StreamDictionaryCost"/>).</summary>
    public long Bytes { get; private set; }

    public int Strings => _strings.Count;

    public int Stacks => _stacks.Count;

    /// <summary>
    /// The self-contained batch of an interned <paramref name="wire"/> batch, or the reason it is refused (then
    /// <paramref name="expanded"/> is null and the dictionary unchanged).
    /// </summary>
    public string? Expand(Batch wire, out Batch? expanded)
    {
        expanded = null;
        if (Admit(wire) is { } error) return error;
        expanded = ExpandAdmitted(wire);
        return null;
    }

    /// <summary>
    /// Checks an interned <paramref name="wire"/> batch against the dictionary and adds its new entries; returns the
    /// reason it is refused (then the dictionary is unchanged). An admitted batch's ids are all ids of the dictionary,
    /// until the next batch is admitted: <see cref="ExpandAdmitted"/> or the accessors below read them.
    /// </summary>
    public string? Admit(Batch wire)
    {
        if (Check(wire, out var restart, out var bytes) is { } error) return error;
        if (restart)
        {
            _strings.Clear();
            _functions.Clear();
            _locations.Clear();
            _stacks.Clear();
            Generation++;
        }
        _strings.AddRange(wire.Strings);
        foreach (var f in wire.Functions) _functions.Add((f.Name, f.File, f.OriginalFile));
        foreach (var l in wire.Locations) _locations.Add((l.Function, l.Line));
        foreach (var s in wire.Stacks) _stacks.Add([.. s.Locations]);
        Bytes = bytes;
        return null;
    }

    public int Functions => _functions.Count;

    /// <summary>Dictionaries this stream has started (batches with all bases 0): ids keep their meaning within one.</summary>
    public int Generation { get; private set; }

    public int Locations => _locations.Count;

    /// <summary>The string with stream id <paramref name="id"/> (an id of an admitted batch).</summary>
    public string StringAt(uint id) => _strings[(int)id];

    /// <summary>The function with stream id <paramref name="id"/>: its name, file and original file as stream string ids.</summary>
    public (uint Name, uint File, uint OriginalFile) FunctionAt(uint id) => _functions[(int)id];

    /// <summary>The location with stream id <paramref name="id"/>: its function's stream id and its line.</summary>
    public (uint Function, uint Line) LocationAt(uint id) => _locations[(int)id];

    /// <summary>The stack with stream id <paramref name="id"/>: stream location ids, root first.</summary>
    public ReadOnlySpan<uint> StackAt(uint id) => _stacks[(int)id];

    private string? Check(Batch wire, out bool restart, out long bytes)
    {
        var i = wire.Interning;
        restart = i.StringsBase == 0 && i.FunctionsBase == 0 && i.LocationsBase == 0 && i.StacksBase == 0;
        bytes = restart ? 0 : Bytes;
        if (maxDictionaryBytes <= 0) return "interning: this gateway does not intern (max_dictionary_bytes is 0): send self-contained batches";
        if (restart)
        {
            if (wire.Strings.Count == 0 || wire.Strings[0].Length != 0) return "strings[0] must be the empty string in a batch that starts a dictionary (interning bases all 0)";
        }
        else
        {
            foreach (var (field, value, count, table) in new[]
            {
                ("strings_base", i.StringsBase, _strings.Count, "strings"), ("functions_base", i.FunctionsBase, _functions.Count, "functions"),
                ("locations_base", i.LocationsBase, _locations.Count, "locations"), ("stacks_base", i.StacksBase, _stacks.Count, "stacks"),
            })
            {
                if (value != count)
                    return $"interning.{field} {value} does not continue the stream's dictionary ({count} {table}): start a new dictionary (all bases 0)";
            }
        }
        var strings = (long)(restart ? 0 : _strings.Count) + wire.Strings.Count;
        var functions = (long)(restart ? 0 : _functions.Count) + wire.Functions.Count;
        var locations = (long)(restart ? 0 : _locations.Count) + wire.Locations.Count;
        var stacks = (long)(restart ? 0 : _stacks.Count) + wire.Stacks.Count;
        for (var k = 0; k < wire.Strings.Count; k++)
        {
            if (wire.Strings[k].Length > maxStringLength) return $"strings[{k}] is longer than max_string_length ({maxStringLength})";
            bytes += StreamDictionaryCost.String(wire.Strings[k]);
        }
        for (var k = 0; k < wire.Functions.Count; k++)
        {
            var f = wire.Functions[k];
            if (f.Name >= strings) return Unknown($"functions[{k}].name", f.Name, strings, "strings");
            if (f.File >= strings) return Unknown($"functions[{k}].file", f.File, strings, "strings");
            if (f.OriginalFile >= strings) return Unknown($"functions[{k}].original_file", f.OriginalFile, strings, "strings");
            bytes += StreamDictionaryCost.Function;
        }
        for (var k = 0; k < wire.Locations.Count; k++)
        {
            if (wire.Locations[k].Function >= functions) return Unknown($"locations[{k}].function", wire.Locations[k].Function, functions, "functions");
            if (wire.Locations[k].Line > int.MaxValue) return $"locations[{k}].line {wire.Locations[k].Line} is over {int.MaxValue}";
            bytes += StreamDictionaryCost.Location;
        }
        for (var k = 0; k < wire.Stacks.Count; k++)
        {
            var frames = wire.Stacks[k].Locations;
            if (frames.Count > maxFramesPerStack) return $"stacks[{k}] has {frames.Count} frames, over max_frames_per_stack ({maxFramesPerStack})";
            foreach (var l in frames)
                if (l >= locations) return Unknown($"stacks[{k}].locations", l, locations, "locations");
            bytes += StreamDictionaryCost.Stack(frames.Count);
        }
        if (bytes > maxDictionaryBytes)
            return $"interning: the stream's dictionary would hold {bytes} bytes, over max_dictionary_bytes ({maxDictionaryBytes}): start a new dictionary (all bases 0)";
        for (var k = 0; k < wire.Samples.Count; k++)
        {
            var s = wire.Samples[k];
            if (s.Stack >= stacks) return Unknown($"samples[{k}].stack", s.Stack, stacks, "stacks");
            if (s.AllocatedType >= strings) return Unknown($"samples[{k}].allocated_type", s.AllocatedType, strings, "strings");
            foreach (var label in s.Labels)
            {
                if (label.Key >= strings) return Unknown($"samples[{k}].labels.key", label.Key, strings, "strings");
                if (label.Value >= strings) return Unknown($"samples[{k}].labels.value", label.Value, strings, "strings");
            }
        }
        return null;
    }

    private static string Unknown(string field, uint id, long count, string table) =>
        $"{field} {id} is not an id of the stream's dictionary ({count} {table} with this batch's)";

    /// <summary>The canonical self-contained batch of the batch admitted last (<see cref="Admit"/>).</summary>
    public Batch ExpandAdmitted(Batch wire)
    {
        var b = wire.Clone();
        b.Interning = null;
        b.Strings.Clear();
        b.Functions.Clear();
        b.Locations.Clear();
        b.Stacks.Clear();
        b.Samples.Clear();
        // Stream id -> this batch's index + 1 (0: not in this batch yet), one array per table: a window reaches a few
        // thousand ids of the dictionary, and arrays sized once cost less than growing hash maps (silo profile under
        // ingest, docs/benchmarks.md "Ingest").
        var strings = new uint[_strings.Count];
        var functions = new uint[_functions.Count];
        var locations = new uint[_locations.Count];
        var stacks = new uint[_stacks.Count];
        strings[0] = 1;
        b.Strings.Add("");

        uint String(uint id)
        {
            ref var slot = ref strings[id];
            if (slot == 0)
            {
                slot = (uint)b.Strings.Count + 1;
                b.Strings.Add(_strings[(int)id]);
            }
            return slot - 1;
        }

        uint Function(uint id)
        {
            if (functions[id] is var known and > 0) return known - 1;
            var (name, file, original) = _functions[(int)id];
            var f = new Function { Name = String(name), File = String(file), OriginalFile = String(original) };
            functions[id] = (uint)b.Functions.Count + 1;
            b.Functions.Add(f);
            return (uint)b.Functions.Count - 1;
        }

        uint Location(uint id)
        {
            if (locations[id] is var known and > 0) return known - 1;
            var (function, line) = _locations[(int)id];
            var l = new Location { Function = Function(function), Line = line };
            locations[id] = (uint)b.Locations.Count + 1;
            b.Locations.Add(l);
            return (uint)b.Locations.Count - 1;
        }

        uint Stack(uint id)
        {
            if (stacks[id] is var known and > 0) return known - 1;
            var frames = _stacks[(int)id];
            var s = new Stack();
            s.Locations.Capacity = frames.Length;
            foreach (var l in frames) s.Locations.Add(Location(l));
            stacks[id] = (uint)b.Stacks.Count + 1;
            b.Stacks.Add(s);
            return (uint)b.Stacks.Count - 1;
        }

        foreach (var sample in wire.Samples)
        {
            var s = sample.Clone();
            s.Stack = Stack(sample.Stack);
            s.AllocatedType = String(sample.AllocatedType);
            foreach (var label in s.Labels)
            {
                label.Key = String(label.Key);
                label.Value = String(label.Value);
            }
            b.Samples.Add(s);
        }
        return b;
    }
}
