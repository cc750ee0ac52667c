namespace FleetProfiler.Agent.Discovery;

/// <summary>
/// Tells discovery whether a .NET process created or removed its diagnostics socket
/// (<c>dotnet-diagnostic-{pid}-{key}-socket</c> in the temp directory, where <c>DiagnosticsClient</c> looks for them) since
/// it last looked, so the daemon lists that directory (and probes new processes) only when something changed. Linux: one inotify watch; events for other files in the
/// directory are filtered out by name before they reach us.
/// </summary>
public sealed class DiagnosticsDirectoryWatcher : IDisposable
{
    public const string SocketPattern = "dotnet-diagnostic-*";

    private readonly FileSystemWatcher _watcher;
    private volatile bool _changed;

    private DiagnosticsDirectoryWatcher(string directory)
    {
        _watcher = new FileSystemWatcher(directory, SocketPattern)
        {
            NotifyFilter = NotifyFilters.FileName,
            IncludeSubdirectories = false,
        };
        _watcher.Created += (_, _) => Signal();
        _watcher.Deleted += (_, _) => Signal();
        _watcher.Renamed += (_, _) => Signal();
        // Overflow (events lost): treat as a change, the scan that follows sees the directory as it is.
        _watcher.Error += (_, _) => Signal();
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>The directory the runtime puts diagnostics sockets in (TMPDIR, else /tmp).</summary>
    public static string Directory => Path.GetTempPath();

    /// <summary>
    /// The pids of the .NET processes that published a diagnostics socket in <see cref="Directory"/>: what
    /// <c>DiagnosticsClient.GetPublishedProcesses()</c> returns, without its regular expression (which would load the
    /// regex engine into the idle daemon for this one listing). Names are <c>dotnet-diagnostic-{pid}-{key}-socket</c>
    /// with decimal pid and key; anything else is ignored. Windows (named pipes) asks the client library.
    /// </summary>
    public static IEnumerable<int> PublishedProcesses()
    {
        if (OperatingSystem.IsWindows())
        {
            return Microsoft.Diagnostics.NETCore.Client.DiagnosticsClient.GetPublishedProcesses();
        }
        var pids = new List<int>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, SocketPattern))
        {
            if (PidOfSocketName(Path.GetFileName(path)) is { } pid)
            {
                pids.Add(pid);
            }
        }
        return pids;
    }

    /// <summary>
    /// Whether <see cref="Directory"/> holds a socket of <paramref name="pid"/> with <paramref name="key"/>: the runtime
    /// names its socket <c>dotnet-diagnostic-{pid}-{key}-socket</c> with its start time (field 22 of /proc/PID/stat) as
    /// the key, so a socket of the pid with another key was left by an earlier process that had the same pid.
    /// </summary>
    public static bool HasSocket(int pid, long key) =>
        !OperatingSystem.IsWindows() && File.Exists(Path.Combine(Directory, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"dotnet-diagnostic-{pid}-{key}-socket")));

    /// <summary>The pid of <c>dotnet-diagnostic-{pid}-{key}-socket</c> (both decimal), else null.</summary>
    internal static int? PidOfSocketName(string name)
    {
        const string Prefix = "dotnet-diagnostic-", Suffix = "-socket";
        if (!name.StartsWith(Prefix, StringComparison.Ordinal) || !name.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return null;
        }
        var middle = name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Suffix.Length);
        var dash = middle.IndexOf('-');
        if (dash <= 0 || dash == middle.Length - 1 || !IsDigits(middle[..dash]) || !IsDigits(middle[(dash + 1)..]))
        {
            return null;
        }
        return int.TryParse(middle[..dash], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static bool IsDigits(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExceptInRange('0', '9');

    /// <summary>A watcher on <see cref="Directory"/>, or null (with the reason) when the system refuses one (inotify limits).</summary>
    public static DiagnosticsDirectoryWatcher? TryStart(out string? failure)
    {
        try
        {
            failure = null;
            return new DiagnosticsDirectoryWatcher(Directory);
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            failure = e.Message;
            return null;
        }
    }

    /// <summary>True when a socket appeared or vanished since the last call (the scan it causes reads the whole directory).</summary>
    public bool TakeChanged()
    {
        if (!_changed)
        {
            return false;
        }
        _changed = false;
        return true;
    }

    private void Signal() => _changed = true;

    public void Dispose() => _watcher.Dispose();
}
