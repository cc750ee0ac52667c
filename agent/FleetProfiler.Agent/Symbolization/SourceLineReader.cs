using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>
/// File and line of an IL offset, from a module's portable PDB: embedded, beside the module, or at the path
/// recorded in the module (the PDB id must match the module's). One instance per window; PDBs are opened once.
/// </summary>
/// <remarks>
/// The IL offset of a native address is interpolated by TraceLog and often lands inside a statement or on a
/// hidden sequence point; we take the last visible sequence point at or before it, as a debugger would.
/// An unknown offset (no IL map for that code) gives the method's first line.
/// </remarks>
public sealed class SourceLineReader : IDisposable
{
    private readonly Dictionary<string, MetadataReaderProvider?> _pdbs = new(StringComparer.Ordinal);

    /// <summary>Module paths for which no PDB was found, in the order they were asked for.</summary>
    public List<string> ModulesWithoutPdb { get; } = [];

    public (string File, int Line)? Find(string modulePath, int methodToken, int ilOffset)
    {
        var reader = Open(modulePath)?.GetMetadataReader();
        if (reader is null || (methodToken >> 24) != 0x06)
        {
            return null;
        }

        var method = MetadataTokens.MethodDefinitionHandle(methodToken & 0xFFFFFF);
        if (MetadataTokens.GetRowNumber(method) > reader.MethodDebugInformation.Count)
        {
            return null;
        }

        SequencePoint? best = null;
        foreach (var point in reader.GetMethodDebugInformation(method).GetSequencePoints())
        {
            if (point.IsHidden)
            {
                continue;
            }
            if (best is null || point.Offset <= Math.Max(ilOffset, 0))
            {
                best = point;
            }
            if (point.Offset > ilOffset)
            {
                break;
            }
        }

        return best is { } found
            ? (reader.GetString(reader.GetDocument(found.Document).Name), found.StartLine)
            : null;
    }

    private MetadataReaderProvider? Open(string modulePath)
    {
        if (_pdbs.TryGetValue(modulePath, out var cached))
        {
            return cached;
        }

        MetadataReaderProvider? provider = null;
        try
        {
            if (File.Exists(modulePath))
            {
                using var pe = new PEReader(File.OpenRead(modulePath));
                pe.TryOpenAssociatedPortablePdb(modulePath, OpenIfExists, out provider, out _);
            }
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException or InvalidOperationException)
        {
            provider = null;
        }

        if (provider is null)
        {
            ModulesWithoutPdb.Add(modulePath);
        }
        _pdbs[modulePath] = provider;
        return provider;
    }

    private static Stream? OpenIfExists(string path) => File.Exists(path) ? File.OpenRead(path) : null;

    public void Dispose()
    {
        foreach (var provider in _pdbs.Values)
        {
            provider?.Dispose();
        }
        _pdbs.Clear();
    }
}
