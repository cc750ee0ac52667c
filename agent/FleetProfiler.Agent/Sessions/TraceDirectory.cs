using System.Security.Cryptography;
using System.Text;

namespace FleetProfiler.Agent.Sessions;

/// <summary>
/// Where window and coverage traces are written while they are read (deleted right after). A daemon gets a directory
/// of its own under the temp directory, named after its spool (one daemon per spool), so that on start it can remove
/// the traces of windows an earlier run was killed in without touching another agent's. The one-shot mode writes into
/// the temp directory itself and never sweeps.
/// </summary>
public sealed class TraceDirectory
{
    private const string DaemonPrefix = "fleetprofiler-agent-";

    private TraceDirectory(string path, bool owned)
    {
        Path = path;
        Owned = owned;
    }

    public string Path { get; }

    /// <summary>True when only this agent writes here (a daemon's own directory), so anything found at start is a leftover.</summary>
    public bool Owned { get; }

    public static TraceDirectory ForDaemon(AgentOptions options)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(options.EffectiveSpoolDirectory)))[..12];
        return new TraceDirectory(System.IO.Path.Combine(options.EffectiveTempDirectory, DaemonPrefix + key), owned: true);
    }

    public static TraceDirectory ForOneShot(AgentOptions options) => new(options.EffectiveTempDirectory, owned: false);

    /// <summary>The path of a new trace file named <paramref name="name"/>; creates the directory (owner only) if needed.</summary>
    public string File(string name)
    {
        if (Owned && !Directory.Exists(Path))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Path);
            else Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return System.IO.Path.Combine(Path, name);
    }

    /// <summary>
    /// Removes every file in the daemon's own directory: the traces (.nettrace, .etlx) of windows and coverage runs
    /// a killed run never finished. Logs one line naming what was removed. Nothing is swept when
    /// <paramref name="keepTraceFiles"/> is set (they are kept on purpose) or for the one-shot mode.
    /// </summary>
    public void SweepLeftovers(bool keepTraceFiles, ILogger logger)
    {
        if (!Owned || keepTraceFiles || !Directory.Exists(Path)) return;
        var removed = new List<string>();
        long bytes = 0;
        foreach (var file in new DirectoryInfo(Path).EnumerateFiles())
        {
            try
            {
                var size = file.Length;
                file.Delete();
                removed.Add(file.Name);
                bytes += size;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not remove the leftover trace file {Path}: {Message}", file.FullName, e.Message);
            }
        }
        if (removed.Count > 0)
        {
            logger.LogInformation("Swept {Count} trace file(s) of windows an earlier run did not finish ({MB:F1} MB) from {Directory}: {Files}",
                removed.Count, bytes / 1048576.0, Path, string.Join(", ", removed));
        }
    }
}
