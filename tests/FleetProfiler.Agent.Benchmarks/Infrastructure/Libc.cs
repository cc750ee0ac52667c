using System.Runtime.InteropServices;

namespace FleetProfiler.Agent.Benchmarks.Infrastructure;

/// <summary>The few libc calls the benchmarks need (Linux x86-64 / arm64 layouts).</summary>
public static partial class Libc
{
    private const int RUSAGE_CHILDREN = -1;
    private const int _SC_CLK_TCK = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public long Seconds;
        public long Microseconds;

        public readonly double Total => Seconds + Microseconds / 1e6;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public TimeVal UserTime;
        public TimeVal SystemTime;
        public long MaxRssKb;
        // ru_ixrss … ru_nivcsw: 13 more longs.
        public long Ixrss, Idrss, Isrss, Minflt, Majflt, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRUsage(int who, out RUsage usage);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    /// <summary>User + system CPU seconds of all terminated and waited-for children of this process.</summary>
    public static double ChildrenCpuSeconds()
    {
        if (GetRUsage(RUSAGE_CHILDREN, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return usage.UserTime.Total + usage.SystemTime.Total;
    }

    /// <summary>Clock ticks per second of /proc/PID/stat times (USER_HZ).</summary>
    public static long ClockTicksPerSecond { get; } = Math.Max(1, SysConf(_SC_CLK_TCK));
}
