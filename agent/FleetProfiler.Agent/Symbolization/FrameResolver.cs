using Microsoft.Diagnostics.Tracing.Etlx;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>
/// Turns TraceLog stacks into <see cref="Frame"/>s: <c>module!Namespace.Type.Method(args)</c> from the
/// trace's method events, file:line from the module's portable PDB (beside it or embedded) through the IL
/// offset. Unresolved addresses stay as <c>module!0x…</c> or <c>?!0x…</c>. Caches per code address and per stack,
/// so each distinct frame is resolved once per window.
/// </summary>
internal sealed class FrameResolver(TraceLog log, SourceLineReader lines, ModuleMap modules)
{
    private readonly Dictionary<string, string> _originalPaths = new(StringComparer.Ordinal);

    /// <summary>Build paths of the files that <see cref="SourcePathRules"/> made repository-relative: shown path → PDB name.</summary>
    public IReadOnlyDictionary<string, string> OriginalPaths => _originalPaths;

    /// <summary>Stand-in for an event that carried no stack.</summary>
    public static readonly Frame NoStack = new("[no stack]");

    private readonly Dictionary<CodeAddressIndex, Frame> _frames = [];
    private readonly Dictionary<CallStackIndex, Frame[]> _stacks = [];

    /// <summary>Root-first frames of a stack.</summary>
    public Frame[] ResolveStack(CallStackIndex leaf)
    {
        if (leaf == CallStackIndex.Invalid)
        {
            return [NoStack];
        }
        if (_stacks.TryGetValue(leaf, out var cached))
        {
            return cached;
        }

        var callStacks = log.CallStacks;
        var frames = new List<Frame>(callStacks.Depth(leaf) + 1);
        for (var index = leaf; index != CallStackIndex.Invalid; index = callStacks.Caller(index))
        {
            frames.Add(Resolve(callStacks.CodeAddressIndex(index)));
        }
        frames.Reverse();
        var result = frames.ToArray();
        _stacks[leaf] = result;
        return result;
    }

    private Frame Resolve(CodeAddressIndex codeAddress)
    {
        if (_frames.TryGetValue(codeAddress, out var frame))
        {
            return frame;
        }

        var codeAddresses = log.CodeAddresses;
        var module = codeAddresses.ModuleFile(codeAddress);
        var address = codeAddresses.Address(codeAddress);
        var moduleName = string.IsNullOrEmpty(module?.Name) ? modules.Find(address) ?? "?" : module.Name;
        var method = codeAddresses.MethodIndex(codeAddress);
        if (method == MethodIndex.Invalid)
        {
            frame = new Frame($"{moduleName}!0x{address:x}");
        }
        else
        {
            var name = codeAddresses.Methods.FullMethodName(method);
            var (file, line) = FindSourceLine(codeAddress, method, module);
            frame = new Frame($"{moduleName}!{name}", file, line);
        }

        _frames[codeAddress] = frame;
        return frame;
    }

    private (string? File, int Line) FindSourceLine(CodeAddressIndex codeAddress, MethodIndex method, TraceModuleFile? module)
    {
        var path = module?.FilePath;
        // Dynamic modules have no file; shared-framework assemblies ship without PDBs: not worth a probe or a log line.
        if (string.IsNullOrEmpty(path) || !Path.IsPathRooted(path) || IsSharedFramework(path))
        {
            return (null, 0);
        }

        var token = log.CodeAddresses.Methods.MethodToken(method);
        return lines.Find(path, token, log.CodeAddresses.ILOffset(codeAddress)) is { } found
            ? (Shown(found.File), found.Line)
            : (null, 0);
    }

    private string Shown(SourcePath file)
    {
        if (file.IsMapped)
        {
            _originalPaths.TryAdd(file.Path, file.Original);
        }
        return file.Path;
    }

    /// <summary>False for addresses no method was found for (<c>module!0x…</c>, <c>?!0x…</c>): kept, never dropped.</summary>
    public static bool IsResolved(Frame frame) => !frame.Function.Contains("!0x", StringComparison.Ordinal);

    /// <summary>Under a shared framework (dotnet/shared/Microsoft.NETCore.App/10.0.x/…).</summary>
    internal static bool IsSharedFramework(string path) =>
        path.Replace('\\', '/').Contains("/shared/Microsoft.", StringComparison.Ordinal);
}
