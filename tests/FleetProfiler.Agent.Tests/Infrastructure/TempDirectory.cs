namespace FleetProfiler.Agent.Tests.Infrastructure;

public sealed class TempDirectory : IDisposable
{
    private const UnixFileMode WorldReadable = (UnixFileMode)0b111_101_101;

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fleetprofiler-agent-tests", Guid.NewGuid().ToString("N")[..12]);

    public TempDirectory()
    {
        Directory.CreateDirectory(Path);
        // Other users (the agent run as nobody) must be able to enter it whatever the umask.
        File.SetUnixFileMode(System.IO.Path.GetDirectoryName(Path)!, WorldReadable);
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

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
