namespace FleetProfiler.Tests.Fuzz;

/// <summary>
/// tests/FleetProfiler.Tests/testdata/fuzz-corpus: every input that ever crashed the ingest path (the encoded batch as
/// sent, one file each, named by its content hash), replayed by <see cref="BatchFuzzTests"/> as regression tests.
/// </summary>
public static class FuzzCorpus
{
    public static string Directory => Path.Combine(Repo.Root, "tests", "FleetProfiler.Tests", "testdata", "fuzz-corpus");

    public static IEnumerable<string> Files() =>
        System.IO.Directory.Exists(Directory) ? System.IO.Directory.EnumerateFiles(Directory, "*.batch").Order(StringComparer.Ordinal) : [];

    /// <summary>Writes a crashing input into the corpus (idempotent: its name is its hash) and returns the path.</summary>
    public static string Add(byte[] bytes)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var name = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16] + ".batch";
        var path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
