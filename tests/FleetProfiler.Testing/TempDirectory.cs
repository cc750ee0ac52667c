namespace FleetProfiler.Testing;

/// <summary>
/// A fresh directory under the system temp directory, removed on dispose. World-readable whatever the umask, so a
/// process run as another user (the agent as <c>nobody</c>) can enter it.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    private const UnixFileMode WorldReadable = (UnixFileMode)0b111_101_101;

    /// <summary>The parent of every test directory, so a crashed run leaves its litter in one visible place.</summary>
    public static string Parent { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fleetprofiler-tests");

    public string Path { get; }

    public TempDirectory(string? prefix = null)
    {
        Path = System.IO.Path.Combine(Parent, (prefix is null ? "" : prefix + "-") + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
        try
        {
            File.SetUnixFileMode(Parent, WorldReadable);
        }
        catch (UnauthorizedAccessException)
        {
            // Created by another user's run: it made it traversable the same way.
        }
        File.SetUnixFileMode(Path, WorldReadable);
    }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="name"/> here, readable by every user: what another user runs
    /// must not depend on where the repository lives (a clone may sit in a directory only its owner can enter).
    /// </summary>
    public string StageForOtherUsers(string source, string name)
    {
        var target = Combine(name);
        foreach (var dir in Directory.GetDirectories(source, "*", SearchOption.AllDirectories).Prepend(source))
        {
            var copy = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, dir));
            Directory.CreateDirectory(copy);
            File.SetUnixFileMode(copy, WorldReadable);
        }
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, WorldReadable);
        }
        return target;
    }

    /// <summary>
    /// The build output of <paramref name="dll"/> under <paramref name="name"/> here, every entry a link to the original
    /// except <c>appsettings.json</c>, a copy the test may rewrite (an installed binary whose operator edits the settings
    /// file beside it), and the app's own files, copied so that the host takes this directory as the app's base
    /// directory (it resolves links of the app path). Returns the path of the dll here (run it with <c>dotnet</c>).
    /// </summary>
    public string LinkBuildOutput(string dll, string name)
    {
        var source = System.IO.Path.GetDirectoryName(Repo.RequireBuilt(dll))!;
        var app = System.IO.Path.GetFileNameWithoutExtension(dll);
        var target = Combine(name);
        Directory.CreateDirectory(target);
        foreach (var entry in Directory.EnumerateFileSystemEntries(source))
        {
            var file = System.IO.Path.GetFileName(entry);
            var link = System.IO.Path.Combine(target, file);
            if (file == "appsettings.json" || file.StartsWith(app + ".", StringComparison.Ordinal)) File.Copy(entry, link);
            else if (Directory.Exists(entry)) Directory.CreateSymbolicLink(link, entry);
            else File.CreateSymbolicLink(link, entry);
        }
        return System.IO.Path.Combine(target, System.IO.Path.GetFileName(dll));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A process of another user may have left files we may not remove; the temp directory is cleaned by the OS.
        }
    }
}
