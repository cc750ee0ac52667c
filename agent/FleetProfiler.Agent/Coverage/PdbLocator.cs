using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace FleetProfiler.Agent.Coverage;

/// <summary>
/// Opens an assembly's portable PDB for its lines: embedded, else beside the assembly (what is deployed with it; the
/// build path the assembly records is not looked at: on a production host it is absent or someone else's). Unlike a
/// debugger's quiet fallback it says why it found none, for <c>CoverageModule.skipped</c>.
/// </summary>
public static class PdbLocator
{
    public const string NoPdb = "no PDB";
    public const string IdMismatch = "PDB id does not match the assembly";
    public const string Unreadable = "PDB unreadable";

    /// <summary>The PDB's reader, or null and why not.</summary>
    /// <param name="localAssemblyPath">Where the agent reads the assembly.</param>
    public static (MetadataReaderProvider? Pdb, string Problem) Open(PEReader pe, string localAssemblyPath)
    {
        var entries = pe.ReadDebugDirectory();
        var embedded = entries.FirstOrDefault(e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
        if (embedded.DataSize > 0)
        {
            try
            {
                return (pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded), "");
            }
            catch (Exception e) when (e is BadImageFormatException or InvalidDataException)
            {
                return (null, $"{Unreadable}: embedded PDB: {e.Message}");
            }
        }

        var codeView = entries.FirstOrDefault(e => e.Type == DebugDirectoryEntryType.CodeView);
        if (codeView.DataSize == 0)
        {
            return (null, NoPdb);
        }
        var data = pe.ReadCodeViewDebugDirectoryData(codeView);
        var expectedId = data.Guid.ToByteArray().Concat(BitConverter.GetBytes(codeView.Stamp)).ToArray();

        var beside = Path.ChangeExtension(localAssemblyPath, ".pdb");
        if (!File.Exists(beside))
        {
            return (null, NoPdb);
        }
        MetadataReaderProvider? provider = null;
        string problem;
        try
        {
            provider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(beside));
            var id = provider.GetMetadataReader().DebugMetadataHeader?.Id ?? [];
            if (id.SequenceEqual(expectedId))
            {
                return (provider, "");
            }
            problem = IdMismatch;
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            problem = $"{Unreadable}: {e.Message}";
        }
        provider?.Dispose();
        return (null, problem);
    }
}
