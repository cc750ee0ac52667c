namespace FleetProfiler.Testing;

/// <summary>
/// What the kernel says about a .NET process's diagnostics IPC, read from /proc (no help from the agent): the
/// runtime listens on <c>$TMPDIR/dotnet-diagnostic-PID-…-socket</c>; every client connection it accepts is a
/// connected unix socket bound to that same path (the kernel shares the listener's address with accepted sockets)
/// and held in the target's fd table. An EventPipe session is such a connection, open for the whole session.
/// </summary>
public static class DiagnosticsSockets
{
    private const string Connected = "03";
    private const string Listening = "01";

    /// <summary>Diagnostics socket paths of <paramref name="pid"/>.</summary>
    public static IReadOnlyList<string> Of(int pid) =>
        UnixSockets().Where(s => s.State == Listening && IsDiagnosticsPath(s.Path, pid)).Select(s => s.Path).Distinct().ToList();

    /// <summary>Inodes of accepted (connected) diagnostics connections that <paramref name="pid"/> holds now.</summary>
    public static IReadOnlySet<long> AcceptedConnections(int pid)
    {
        var connected = UnixSockets()
            .Where(s => s.State == Connected && IsDiagnosticsPath(s.Path, pid))
            .Select(s => s.Inode)
            .ToHashSet();
        var held = new HashSet<long>();
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && long.TryParse(target[8..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                    && connected.Contains(inode))
                {
                    held.Add(inode);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited while we looked.
        }
        return held;
    }

    private static bool IsDiagnosticsPath(string path, int pid) =>
        Path.GetFileName(path).StartsWith($"dotnet-diagnostic-{pid}-", StringComparison.Ordinal);

    /// <summary>/proc/net/unix: <c>Num RefCount Protocol Flags Type St Inode Path</c>.</summary>
    private static IEnumerable<(string State, long Inode, string Path)> UnixSockets()
    {
        foreach (var line in File.ReadLines("/proc/net/unix").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 8)
            {
                yield return (fields[5], long.Parse(fields[6], CultureInfo.InvariantCulture), fields[7]);
            }
        }
    }
}
