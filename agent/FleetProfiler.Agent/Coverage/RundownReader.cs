using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace FleetProfiler.Agent.Coverage;

/// <summary>What a coverage session's rundown says ran: per module file (as the target names it), the method tokens with native code.</summary>
/// <param name="MethodsByModulePath">Method tokens per loaded module's IL path (JIT-compiled and ReadyToRun methods alike).</param>
/// <param name="Complete">The rundown's end marker arrived: the lists are whole.</param>
/// <param name="EventsLost">Events the runtime dropped (a full buffer): then some methods may be missing.</param>
/// <param name="CollectibleAssemblies">Loaded collectible (unloadable) assemblies from files, by name: code of their
/// kind may have come and gone before the session.</param>
/// <param name="UnloadedModules">Modules unloaded during the session.</param>
public sealed record ExecutedMethods(
    IReadOnlyDictionary<string, HashSet<int>> MethodsByModulePath,
    bool Complete,
    int EventsLost,
    IReadOnlyList<string> CollectibleAssemblies,
    IReadOnlyList<string> UnloadedModules)
{
    public int MethodCount => MethodsByModulePath.Values.Sum(m => m.Count);

    /// <summary>Why nothing unseen may be called certain from this rundown; "" when it is sound.</summary>
    public string Unsoundness =>
        EventsLost > 0 ? $"{EventsLost} event(s) lost in the coverage session"
        : !Complete ? "the rundown did not complete (no end marker)"
        : UnloadedModules.Count > 0 ? $"modules unloaded during the session ({string.Join(", ", UnloadedModules.Take(3))})"
        : CollectibleAssemblies.Count > 0 ? $"collectible AssemblyLoadContexts hold assemblies ({string.Join(", ", CollectibleAssemblies.Take(3))}): code may have been unloaded before the run"
        : "";
}

/// <summary>
/// Reads a coverage session's trace: the runtime's rundown (<c>MethodDCEnd</c>) lists every method that has native
/// code, JIT-compiled or ReadyToRun, with its module and metadata token (no names needed), and every loaded module.
/// </summary>
public static class RundownReader
{
    private const int CollectibleFlag = 0x8;
    private const int DynamicFlag = 0x2;

    public static ExecutedMethods Read(string tracePath)
    {
        var modulePaths = new Dictionary<long, string>();
        var tokensByModuleId = new Dictionary<long, HashSet<int>>();
        var collectible = new SortedSet<string>(StringComparer.Ordinal);
        var unloaded = new SortedSet<string>(StringComparer.Ordinal);
        var complete = false;

        void Method(long moduleId, int token)
        {
            // Dynamic methods and stubs have no token of a module's metadata.
            if ((token >> 24) != 0x06)
            {
                return;
            }
            if (!tokensByModuleId.TryGetValue(moduleId, out var tokens))
            {
                tokensByModuleId[moduleId] = tokens = [];
            }
            tokens.Add(token);
        }

        using var source = new EventPipeEventSource(tracePath);
        var rundown = new ClrRundownTraceEventParser(source);
        rundown.MethodDCStopVerbose += e => Method(e.ModuleID, e.MethodToken);
        rundown.MethodDCStop += e => Method(e.ModuleID, e.MethodToken);
        rundown.LoaderModuleDCStop += e => modulePaths[e.ModuleID] = e.ModuleILPath;
        rundown.LoaderAssemblyDCStop += e =>
        {
            var flags = (int)e.AssemblyFlags;
            if ((flags & CollectibleFlag) != 0 && (flags & DynamicFlag) == 0)
            {
                collectible.Add(e.FullyQualifiedAssemblyName.Split(',')[0]);
            }
        };
        rundown.MethodDCStopComplete += _ => complete = true;
        // During the (short) session itself.
        source.Clr.LoaderModuleLoad += e => modulePaths[e.ModuleID] = e.ModuleILPath;
        source.Clr.LoaderModuleUnload += e => unloaded.Add(Path.GetFileName(e.ModuleILPath));
        source.Process();

        var byPath = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var (moduleId, path) in modulePaths)
        {
            if (string.IsNullOrEmpty(path))
            {
                continue;
            }
            if (!byPath.TryGetValue(path, out var tokens))
            {
                byPath[path] = tokens = [];
            }
            // The same file loaded twice (two load contexts): what ran in either ran.
            if (tokensByModuleId.TryGetValue(moduleId, out var seen))
            {
                tokens.UnionWith(seen);
            }
        }
        return new ExecutedMethods(byPath, complete, source.EventsLost, collectible.ToList(), unloaded.ToList());
    }
}
