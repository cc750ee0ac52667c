namespace FleetProfiler.Agent;

/// <summary>The agent's own footprint, for the overhead budget (peak RSS ≤ 64 MB per 10 s window is the target).</summary>
public static class AgentResources
{
    /// <summary>Peak resident set size (VmHWM in /proc/self/status), bytes; 0 when unavailable.</summary>
    public static long PeakResidentBytes() => ReadStatus("VmHWM:");

    /// <summary>Current resident set size (VmRSS), bytes; 0 when unavailable.</summary>
    public static long ResidentBytes() => ReadStatus("VmRSS:");

    /// <summary>"rss 61.2 MB (peak 70.3), GC heap 12.1 MB": for debug logs at phase boundaries.</summary>
    public static string Describe() =>
        $"rss {ResidentBytes() / 1048576.0:F1} MB (peak {PeakResidentBytes() / 1048576.0:F1}, anon {ReadStatus("RssAnon:") / 1048576.0:F1}, file {ReadStatus("RssFile:") / 1048576.0:F1}), GC heap {GC.GetTotalMemory(false) / 1048576.0:F1} MB, committed {GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0:F1} MB";

    /// <summary>
    /// After a window (or a coverage run, or start-up): collects its dead data and gives the memory back to the OS, the
    /// GC's free space (Aggressive decommits it) and the C library's free pages (<see cref="NativeHeap.Trim"/>), rather
    /// than carry them as RSS into the idle time until the next window.
    /// </summary>
    public static void ReleaseMemory()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
    }

    private static long ReadStatus(string field)
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return long.TryParse(kb, out var value) ? value * 1024 : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
