using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;

namespace FleetProfiler.Protocol;

/// <summary>One source document of a portable PDB: its text when the PDB embeds it, and its SourceLink URL.</summary>
/// <param name="DocumentName">The document's name as the PDB records it (the build's path).</param>
/// <param name="Text">The embedded source (EmbeddedSource custom debug information), or null when not embedded.</param>
/// <param name="SourceLinkUrl">The URL the PDB's SourceLink map gives the document, or null without a map or match.</param>
public sealed record PdbDocumentSource(string DocumentName, string? Text, string? SourceLinkUrl);

/// <summary>
/// Source text of a repository-relative file from a portable PDB the caller has (standalone, beside its assembly, or
/// embedded in it). The coverage runs carry only paths and line numbers; the text is resolved where the PDB is, not
/// sent over the agents' streams (see docs/dead-code.md "Source text").
/// </summary>
public static class PdbSources
{
    /// <summary>Portable PDB custom debug information kinds (System.Reflection.Metadata's well-known GUIDs).</summary>
    public static readonly Guid EmbeddedSourceKind = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");
    public static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    /// <summary>Largest embedded document read (decompressed).</summary>
    public const int MaxTextBytes = 16 * 1024 * 1024;

    /// <summary>
    /// The document of <paramref name="file"/> (a .pdb, or a .dll / .exe with an embedded PDB or its .pdb beside it)
    /// whose name ends with the repository-relative <paramref name="repositoryPath"/>; null when the PDB has none.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a portable PDB or assembly, or no PDB for the assembly.</exception>
    public static PdbDocumentSource? Find(string file, string repositoryPath)
    {
        using var provider = Open(file);
        var pdb = provider.GetMetadataReader();
        var suffix = "/" + repositoryPath.TrimStart('/');
        foreach (var handle in pdb.Documents)
        {
            var document = pdb.GetDocument(handle);
            var name = pdb.GetString(document.Name);
            var normalized = name.Replace('\\', '/');
            if (!normalized.EndsWith(suffix, StringComparison.Ordinal) && normalized != repositoryPath)
            {
                continue;
            }
            return new PdbDocumentSource(name, EmbeddedText(pdb, handle), SourceLinkUrl(pdb, name));
        }
        return null;
    }

    private static MetadataReaderProvider Open(string file)
    {
        var bytes = File.ReadAllBytes(file);
        if (bytes.Length >= 4 && bytes[0] == 'B' && bytes[1] == 'S' && bytes[2] == 'J' && bytes[3] == 'B')
        {
            return MetadataReaderProvider.FromPortablePdbImage([.. bytes]);
        }
        using var pe = new PEReader([.. bytes]);
        var entries = pe.ReadDebugDirectory();
        var embedded = entries.FirstOrDefault(e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
        if (embedded.DataSize > 0)
        {
            return pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded);
        }
        var beside = Path.ChangeExtension(file, ".pdb");
        if (File.Exists(beside))
        {
            return MetadataReaderProvider.FromPortablePdbImage([.. File.ReadAllBytes(beside)]);
        }
        throw new InvalidDataException($"{file}: no embedded PDB and no {Path.GetFileName(beside)} beside it");
    }

    /// <summary>EmbeddedSource blob: int32 format (0 = raw, else the deflated text's size), then the bytes.</summary>
    private static string? EmbeddedText(MetadataReader pdb, DocumentHandle document)
    {
        foreach (var handle in pdb.GetCustomDebugInformation(document))
        {
            var info = pdb.GetCustomDebugInformation(handle);
            if (pdb.GetGuid(info.Kind) != EmbeddedSourceKind)
            {
                continue;
            }
            var blob = pdb.GetBlobBytes(info.Value);
            var format = BitConverter.ToInt32(blob, 0);
            if (format < 0 || format > MaxTextBytes)
            {
                throw new InvalidDataException($"embedded source of {format} bytes");
            }
            byte[] text;
            if (format == 0)
            {
                text = blob[4..];
            }
            else
            {
                text = new byte[format];
                using var inflate = new DeflateStream(new MemoryStream(blob, 4, blob.Length - 4), CompressionMode.Decompress);
                inflate.ReadExactly(text);
            }
            using var reader = new StreamReader(new MemoryStream(text), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        return null;
    }

    /// <summary>
    /// The SourceLink map (<c>{"documents": {"/_/*": "https://…/*"}}</c>): an exact entry, or the longest '*' prefix
    /// with the rest of the path substituted ('\' as '/').
    /// </summary>
    public static string? SourceLinkUrl(MetadataReader pdb, string documentName)
    {
        foreach (var handle in pdb.GetCustomDebugInformation(EntityHandle.ModuleDefinition))
        {
            var info = pdb.GetCustomDebugInformation(handle);
            if (pdb.GetGuid(info.Kind) == SourceLinkKind)
            {
                return MapSourceLink(pdb.GetBlobBytes(info.Value), documentName);
            }
        }
        return null;
    }

    public static string? MapSourceLink(byte[] json, string documentName)
    {
        using var map = JsonDocument.Parse(json);
        if (!map.RootElement.TryGetProperty("documents", out var documents) || documents.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        string? best = null;
        var bestLength = -1;
        foreach (var entry in documents.EnumerateObject())
        {
            var url = entry.Value.GetString();
            if (url is null)
            {
                continue;
            }
            var key = entry.Name;
            if (!key.EndsWith('*'))
            {
                if (key == documentName)
                {
                    return url;
                }
                continue;
            }
            var prefix = key[..^1];
            if (documentName.StartsWith(prefix, StringComparison.Ordinal) && prefix.Length > bestLength)
            {
                bestLength = prefix.Length;
                best = url.Replace("*", documentName[prefix.Length..].Replace('\\', '/'), StringComparison.Ordinal);
            }
        }
        return best;
    }
}
