using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>
/// The target's managed code as a window's events describe it: every method's native code range (methods jitted in
/// the window, and the rundown at its end), the module it belongs to, and its IL-to-native map. Built while the
/// events stream by, queried once they have: what TraceLog's code-address tables do for us, without the .etlx.
/// </summary>
/// <remarks>
/// Names and IL offsets follow TraceLog exactly (<c>Namespace.Name(args)</c> from the method's signature; the IL offset
/// interpolated between map entries, one back on a boundary), so frames are the same whichever reader made them.
/// </remarks>
internal sealed class CodeMap
{
    public sealed class Method(ulong start, int size, string fullName, int token, long moduleId)
    {
        public ulong Start { get; } = start;
        public int Size { get; } = size;
        public string FullName { get; } = fullName;
        public int Token { get; } = token;
        public long ModuleId { get; } = moduleId;

        /// <summary>(native offset, IL offset) pairs sorted by native offset; null: no map (IL offset unknown).</summary>
        public (int Native, int IL)[]? Map { get; set; }
    }

    private readonly Dictionary<ulong, Method> _byStart = [];
    private readonly Dictionary<long, (int Native, int IL)[]> _pendingMaps = [];
    private readonly Dictionary<long, string> _modulePaths = [];
    private Method[]? _sorted;

    /// <summary>Subscribes to the runtime's and the rundown provider's method and module events.</summary>
    public void Subscribe(TraceEventDispatcher source)
    {
        var clr = source.Clr;
        clr.MethodLoadVerbose += e => Add(e, takeMap: false);
        clr.MethodUnloadVerbose += e => Add(e, takeMap: true);
        clr.MethodDCStopVerboseV2 += e => Add(e, takeMap: true);
        clr.MethodILToNativeMap += AddMap;
        clr.LoaderModuleLoad += AddModule;
        clr.LoaderModuleDCStopV2 += AddModule;
        var rundown = new ClrRundownTraceEventParser(source);
        rundown.MethodDCStopVerbose += e => Add(e, takeMap: true);
        rundown.MethodDCStartVerbose += e => Add(e, takeMap: false);
        rundown.MethodILToNativeMapDCStop += AddMap;
        rundown.LoaderModuleDCStop += AddModule;
        rundown.LoaderModuleDCStart += AddModule;
    }

    // As TraceLog pairs them: a method's unload or rundown event takes the latest IL map written for its method id
    // before it (the runtime writes the map first); a load event takes none (a re-jit would get its predecessor's map).
    private void Add(MethodLoadUnloadVerboseTraceData e, bool takeMap)
    {
        var map = takeMap && _pendingMaps.Remove(e.MethodID, out var pending) ? pending : null;
        if (e.MethodStartAddress == 0 || e.MethodSize <= 0)
        {
            return;
        }
        if (_byStart.TryGetValue(e.MethodStartAddress, out var known) && known.Size == e.MethodSize && known.Token == e.MethodToken && known.ModuleId == e.ModuleID)
        {
            // The rundown repeats what the window's own JIT events said.
            known.Map ??= map;
            return;
        }
        var sig = e.MethodSignature;
        var parens = sig.IndexOf('(');
        _byStart[e.MethodStartAddress] = new Method(e.MethodStartAddress, e.MethodSize,
            e.MethodNamespace + "." + e.MethodName + (parens >= 0 ? sig[parens..] : ""), e.MethodToken, e.ModuleID)
        {
            Map = map,
        };
        _sorted = null;
    }

    private void AddMap(MethodILToNativeMapTraceData e)
    {
        var map = new List<(int Native, int IL)>(e.CountOfMapEntries);
        for (var i = 0; i < e.CountOfMapEntries; i++)
        {
            // Prologue and epilogue entries have negative IL offsets; TraceLog ignores them, and so do we.
            var il = e.ILOffset(i);
            if (il >= 0)
            {
                map.Add((e.NativeOffset(i), il));
            }
        }
        map.Sort((a, b) => a.Native.CompareTo(b.Native));
        _pendingMaps[e.MethodID] = [.. map];
    }

    private void AddModule(ModuleLoadUnloadTraceData e)
    {
        if (!_modulePaths.ContainsKey(e.ModuleID) || _modulePaths[e.ModuleID].Length == 0)
        {
            _modulePaths[e.ModuleID] = e.ModuleILPath ?? "";
        }
    }

    /// <summary>The method whose code holds <paramref name="address"/>, or null.</summary>
    public Method? Find(ulong address)
    {
        var sorted = _sorted ??= _byStart.Values.OrderBy(m => m.Start).ToArray();
        int low = 0, high = sorted.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            if (sorted[mid].Start <= address)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        // high: the last method starting at or before the address.
        return high >= 0 && address < sorted[high].Start + (ulong)sorted[high].Size ? sorted[high] : null;
    }

    /// <summary>Path of the module's IL image ("" for dynamic modules, null when the trace never named it).</summary>
    public string? ModulePath(long moduleId) => _modulePaths.TryGetValue(moduleId, out var path) ? path : null;

    /// <summary>
    /// The IL offset of a native address in <paramref name="method"/>, as TraceLog computes it; -1 when unknown.
    /// </summary>
    public static int ILOffset(Method method, ulong address)
    {
        if (method.Map is not { Length: > 0 } map || address < method.Start || method.Start + (ulong)method.Size < address)
        {
            return -1;
        }
        var native = (int)(address - method.Start);
        // The last entry at or before the native offset.
        int low = 0, high = map.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            if (map[mid].Native <= native)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        var index = high;
        if (index < 0)
        {
            return -1;
        }
        var il = map[index].IL;
        var delta = native - map[index].Native;
        if (index + 1 < map.Length && delta != 0)
        {
            var ilToNext = map[index + 1].IL - map[index].IL;
            if (ilToNext <= 0)
            {
                return il;
            }
            var nativeToNext = map[index + 1].Native - map[index].Native;
            il += (int)(((double)delta) / nativeToNext * ilToNext + .5);
        }
        // A sampled address is the instruction after the one that ran: on a boundary, the line before it.
        return il > 0 ? il - 1 : il;
    }
}
