namespace FleetProfiler.Agent.Discovery;

/// <summary>
/// Wakes discovery when a .NET process creates or removes its diagnostics socket
/// (<c>dotnet-diagnostic-{pid}-{key}-socket</c> in the temp directory, where <c>DiagnosticsClient</c> looks for them), so
/// the daemon need not list that directory every few seconds. Linux: one inotify watch; events for other files in the
/// directory are filtered out by name before they reach us.
/// </summary>
public sealed class DiagnosticsDirectoryWatcher : IDisposable
{
    public const string SocketPattern = "dotnet-diagnostic-*";

    private readonly FileSystemWatcher _watcher;
    private readonly SemaphoreSlim _changed = new(0, 1);

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

    /// <summary>Completes with true when a socket appeared or vanished since the last call, false after <paramref name="timeout"/>.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _changed.WaitAsync(timeout, ct);

    private void Signal()
    {
        // One pending signal is enough: the scan it causes reads the whole directory.
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Raced with another event: already signalled.
            }
        }
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _changed.Dispose();
    }
}
