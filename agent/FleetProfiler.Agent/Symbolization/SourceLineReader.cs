using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>
/// File and line of an IL offset, from a module's portable PDB: embedded, beside the module, or at the path
/// recorded in the module (the PDB id must match the module's). One instance per window; PDBs are opened once.
/// Files come back as <see cref="SourcePath"/>s: repository-relative by <see cref="SourcePathRules"/>, with the PDB's own name.
/// </summary>
/// <remarks>
/// The IL offset of a native address is interpolated by TraceLog and often lands inside a statement or on a
/// hidden sequence point; we take the last visible sequence point at or before it, as a debugger would.
/// An unknown offset (no IL map for that code) gives the method's first line.
/// </remarks>
public sealed class SourceLineReader(SourcePathRules paths) : IDisposable
{
    private readonly Dictionary<string, MetadataReaderProvider?> _pdbs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _sourceLinkRoots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePath> _documents = new(StringComparer.Ordinal);

    /// <summary>Module paths for which no PDB was found, in the order they were asked for.</summary>
    public List<string> ModulesWithoutPdb { get; } = [];

    public (SourcePath File, int Line)? Find(string modulePath, int methodToken, int ilOffset)
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
            ? (Document(modulePath, reader, reader.GetString(reader.GetDocument(found.Document).Name)), found.StartLine)
            : null;
    }

    private SourcePath Document(string modulePath, MetadataReader reader, string name)
    {
        if (!_documents.TryGetValue(name, out var path))
        {
            _documents[name] = path = paths.Map(name, SourceLinkRoots(modulePath, reader));
        }
        return path;
    }

    private IReadOnlyList<string> SourceLinkRoots(string modulePath, MetadataReader reader)
    {
        if (_sourceLinkRoots.TryGetValue(modulePath, out var roots))
        {
            return roots;
        }
        roots = SourceLinkRootsOf(reader);
        _sourceLinkRoots[modulePath] = roots;
        return roots;
    }

    /// <summary>The local prefixes of the PDB's SourceLink document map; empty when it has none.</summary>
    public static IReadOnlyList<string> SourceLinkRootsOf(MetadataReader pdb)
    {
        foreach (var handle in pdb.GetCustomDebugInformation(EntityHandle.ModuleDefinition))
        {
            var info = pdb.GetCustomDebugInformation(handle);
            if (pdb.GetGuid(info.Kind) == SourcePathRules.SourceLinkKind)
            {
                return SourcePathRules.SourceLinkRoots(pdb.GetBlobBytes(info.Value));
            }
        }
        return [];
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
