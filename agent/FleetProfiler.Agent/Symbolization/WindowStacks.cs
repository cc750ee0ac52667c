using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>
/// How a recorded window is read: a source of its events (subscribe, then <see cref="Process"/>), a stack id per
/// event, and the frames of a stack once every event has been read.
/// </summary>
internal interface IWindowStacks : IDisposable
{
    public const int NoStack = -1;

    TraceEventDispatcher Source { get; }

    /// <summary>Reads every event, calling the subscribers.</summary>
    void Process();

    /// <summary>The stack of the event being dispatched (<see cref="NoStack"/> when it has none).</summary>
    int StackOf(TraceEvent e);

    /// <summary>Root-first frames of a stack id from <see cref="StackOf"/>; call after <see cref="Process"/>.</summary>
    Frame[] Resolve(int stack);

    /// <summary>Build paths of the files that <see cref="SourcePathRules"/> made repository-relative: shown path → PDB name.</summary>
    IReadOnlyDictionary<string, string> OriginalPaths { get; }

    int EventsLost { get; }
}

/// <summary>
/// The default reader: one pass over the .nettrace with <see cref="EventPipeEventSource"/>. Stacks are interned by their
/// addresses while the events stream by; method and module events (the window's JIT events and the rundown at its end)
/// build a <see cref="CodeMap"/>; addresses are named once, after the last event. Memory: the distinct stacks and the
/// code map (a few MB), not TraceLog's tables of every event.
/// </summary>
internal sealed class StreamedStacks : IWindowStacks
{
    private readonly EventPipeEventSource _source;
    private readonly CodeMap _code = new();
    private readonly Dictionary<ulong[], int> _ids = new(AddressesComparer.Instance);
    private readonly Dictionary<ulong[], int>.AlternateLookup<ReadOnlySpan<ulong>> _lookup;
    private readonly List<ulong[]> _stacks = [];
    private readonly Dictionary<int, Frame[]> _resolved = [];
    private readonly Dictionary<ulong, Frame> _frames = [];
    private readonly SourceLineReader _lines;
    private readonly ModuleMap _modules;
    private readonly Dictionary<string, string> _originalPaths = new(StringComparer.Ordinal);

    public StreamedStacks(string tracePath, SourceLineReader lines, ModuleMap modules)
    {
        _source = new EventPipeEventSource(tracePath);
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<ulong>>();
        _lines = lines;
        _modules = modules;
        _code.Subscribe(_source);
    }

    public TraceEventDispatcher Source => _source;

    public IReadOnlyDictionary<string, string> OriginalPaths => _originalPaths;

    public int EventsLost => _source.EventsLost;

    public void Process()
    {
        // Peak RSS is the budget: a young-generation collection every few MB allocated keeps reusing the same few MB
        // instead of touching the whole default gen0 budget (about L3 size, tens of MB) before the first collection.
        var nextCollection = GC.GetAllocatedBytesForCurrentThread() + CollectEveryBytes;
        _source.AllEvents += _ =>
        {
            if (GC.GetAllocatedBytesForCurrentThread() > nextCollection)
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                nextCollection = GC.GetAllocatedBytesForCurrentThread() + CollectEveryBytes;
            }
        };
        _source.Process();
    }

    private const long CollectEveryBytes = 2 << 20;

    public int StackOf(TraceEvent e)
    {
        var addresses = EventStacks.Of(e);
        if (addresses.IsEmpty)
        {
            return IWindowStacks.NoStack;
        }
        if (!_lookup.TryGetValue(addresses, out var id))
        {
            id = _stacks.Count;
            var copy = addresses.ToArray();
            _stacks.Add(copy);
            _ids.Add(copy, id);
        }
        return id;
    }

    public Frame[] Resolve(int stack)
    {
        if (stack == IWindowStacks.NoStack)
        {
            return [FrameResolver.NoStack];
        }
        if (_resolved.TryGetValue(stack, out var cached))
        {
            return cached;
        }
        var addresses = _stacks[stack];
        var frames = new Frame[addresses.Length];
        for (var i = 0; i < addresses.Length; i++)
        {
            // Leaf first in the event; root first here.
            frames[addresses.Length - 1 - i] = FrameAt(addresses[i]);
        }
        _resolved[stack] = frames;
        return frames;
    }

    private Frame FrameAt(ulong address)
    {
        if (_frames.TryGetValue(address, out var frame))
        {
            return frame;
        }
        var method = _code.Find(address);
        if (method is null)
        {
            frame = new Frame($"{_modules.Find(address) ?? "?"}!0x{address:x}");
        }
        else
        {
            var path = _code.ModulePath(method.ModuleId);
            var moduleName = string.IsNullOrEmpty(path) ? _modules.Find(address) ?? "?" : ModuleName(path);
            var (file, line) = FindSourceLine(path, method, address);
            frame = new Frame($"{moduleName}!{method.FullName}", file, line);
        }
        _frames[address] = frame;
        return frame;
    }

    private (string? File, int Line) FindSourceLine(string? path, CodeMap.Method method, ulong address)
    {
        // Dynamic modules have no file; shared-framework assemblies ship without PDBs: not worth a probe or a log line.
        if (string.IsNullOrEmpty(path) || !Path.IsPathRooted(path) || FrameResolver.IsSharedFramework(path))
        {
            return (null, 0);
        }
        if (_lines.Find(path, method.Token, CodeMap.ILOffset(method, address)) is not { } found)
        {
            return (null, 0);
        }
        if (found.File.IsMapped)
        {
            _originalPaths.TryAdd(found.File.Path, found.File.Original);
        }
        return (found.File.Path, found.Line);
    }

    /// <summary>File name without .dll/.exe, as TraceLog names modules.</summary>
    internal static string ModuleName(string path)
    {
        var start = path.LastIndexOfAny(['\\', '/']) + 1;
        var dot = path.LastIndexOf('.');
        return dot > start && (path[dot..].Equals(".dll", StringComparison.OrdinalIgnoreCase) || path[dot..].Equals(".exe", StringComparison.OrdinalIgnoreCase))
            ? path[start..dot]
            : path[start..];
    }

    public void Dispose() => _source.Dispose();

    private sealed class AddressesComparer : IEqualityComparer<ulong[]>, IAlternateEqualityComparer<ReadOnlySpan<ulong>, ulong[]>
    {
        public static readonly AddressesComparer Instance = new();

        public bool Equals(ulong[]? x, ulong[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(ulong[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<ulong> alternate, ulong[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<ulong> alternate) => Hash(alternate);

        public ulong[] Create(ReadOnlySpan<ulong> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<ulong> addresses)
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(addresses));
            return hash.ToHashCode();
        }
    }
}

/// <summary>
/// The previous reader, kept behind <c>Agent:Symbolizer=tracelog</c> (and used when <see cref="EventStacks.Available"/>
/// is false): TraceLog converts the .nettrace to an .etlx, which is then read back with its call-stack tables.
/// </summary>
internal sealed class TraceLogStacks : IWindowStacks
{
    private readonly TraceLog _log;
    private readonly TraceLogEventSource _source;
    private readonly FrameResolver _resolver;

    private TraceLogStacks(TraceLog log, SourceLineReader lines, ModuleMap modules, int eventsLost)
    {
        _log = log;
        _source = log.Events.GetSource();
        _resolver = new FrameResolver(log, lines, modules);
        EventsLost = eventsLost;
    }

    /// <summary>Converts <paramref name="tracePath"/> to <paramref name="etlxPath"/> and opens it.</summary>
    public static TraceLogStacks Open(string tracePath, string etlxPath, SourceLineReader lines, ModuleMap modules)
    {
        var eventsLost = 0;
        TraceLog.CreateFromEventPipeDataFile(tracePath, etlxPath, new TraceLogOptions
        {
            ContinueOnError = true,
            ConversionLog = TextWriter.Null,
            LocalSymbolsOnly = true,
            ShouldResolveSymbols = _ => false,
            OnLostEvents = (_, lost, _) => eventsLost = lost,
        });
        // The conversion's garbage is dead now: collect it so reading the .etlx reuses that memory instead of
        // growing the heap (peak RSS is the agent's budget, not throughput).
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return new TraceLogStacks(new TraceLog(etlxPath), lines, modules, eventsLost);
    }

    public TraceEventDispatcher Source => _source;

    public IReadOnlyDictionary<string, string> OriginalPaths => _resolver.OriginalPaths;

    public int EventsLost { get; }

    public void Process() => _source.Process();

    public int StackOf(TraceEvent e) => e.CallStackIndex() is var index && index == CallStackIndex.Invalid ? IWindowStacks.NoStack : (int)index;

    public Frame[] Resolve(int stack) => _resolver.ResolveStack(stack == IWindowStacks.NoStack ? CallStackIndex.Invalid : (CallStackIndex)stack);

    public void Dispose()
    {
        _source.Dispose();
        _log.Dispose();
    }
}
