using System.Runtime.InteropServices;

namespace FleetProfiler.Agent.Benchmarks.Infrastructure;

/// <summary>The few libc calls the benchmarks need (Linux x86-64 / arm64 layouts).</summary>
public static partial class Libc
{
    private const int RUSAGE_CHILDREN = -1;
    private const int _SC_CLK_TCK = 2;
    private const int CLOCK_THREAD_CPUTIME_ID = 3;
    private const int CPUCLOCK_SCHED = 2;

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

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;

        public readonly double Total => Seconds + Nanoseconds / 1e9;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

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

    /// <summary>
    /// User + system CPU seconds of a live process, all its threads including exited ones, to the nanosecond (the
    /// kernel's per-process CPU clock, <c>MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)</c>); NaN when it is gone. /proc's
    /// utime + stime count whole 10 ms ticks, too coarse to split a few per cent of a 2 s interval.
    /// </summary>
    public static double ProcessCpuSeconds(int pid) =>
        ClockGetTime((~pid << 3) | CPUCLOCK_SCHED, out var time) == 0 ? time.Total : double.NaN;

    /// <summary>CPU seconds of the calling thread (CLOCK_THREAD_CPUTIME_ID), to the nanosecond.</summary>
    public static double ThreadCpuSeconds() =>
        ClockGetTime(CLOCK_THREAD_CPUTIME_ID, out var time) == 0
            ? time.Total
            : throw new InvalidOperationException($"clock_gettime failed: errno {Marshal.GetLastPInvokeError()}");

    /// <summary>Clock ticks per second of /proc/PID/stat times (USER_HZ).</summary>
    public static long ClockTicksPerSecond { get; } = Math.Max(1, SysConf(_SC_CLK_TCK));
}
