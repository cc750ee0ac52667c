using System.Runtime.InteropServices;

namespace FleetProfiler.Agent.Triggers;

/// <summary>
/// Real-time signal numbers. <c>SIGRTMIN</c> is not a constant: glibc reserves the first kernel real-time signals
/// for its threading library (kernel 32, glibc's SIGRTMIN is 34 on Linux); musl reserves a different number (35).
/// We ask the C library (<c>__libc_current_sigrtmin</c>, what the <c>SIGRTMIN</c> macro expands to), and fall
/// back to glibc's 34 when it cannot be asked.
/// </summary>
public static class RealtimeSignals
{
    /// <summary>glibc on Linux: kernel SIGRTMIN (32) plus the two signals NPTL keeps for itself.</summary>
    public const int GlibcSigRtMin = 34;

    /// <summary>Linux <c>SIGRTMAX</c> (_NSIG - 1).</summary>
    public const int LinuxSigRtMax = 64;

    private static readonly Lazy<(int Min, int Max, string Source)> Range = new(Query);

    /// <summary>The C library's SIGRTMIN.</summary>
    public static int Min => Range.Value.Min;

    /// <summary>The C library's SIGRTMAX.</summary>
    public static int Max => Range.Value.Max;

    /// <summary>Where <see cref="Min"/> came from, for the start-up log line.</summary>
    public static string Source => Range.Value.Source;

    /// <summary>The (start, stop) pair for offset N: <c>SIGRTMIN+N</c> and <c>SIGRTMIN+N+1</c>.</summary>
    public static (int Start, int Stop) ForOffset(int offset, int sigRtMin) => (sigRtMin + offset, sigRtMin + offset + 1);

    /// <summary>Both signals of the pair are real-time signals (N ≥ 0, SIGRTMIN+N+1 ≤ SIGRTMAX).</summary>
    public static bool IsValidOffset(int offset, out string range) =>
        IsValidOffset(offset, Min, Max, out range);

    public static bool IsValidOffset(int offset, int sigRtMin, int sigRtMax, out string range)
    {
        range = $"SIGRTMIN {sigRtMin} .. SIGRTMAX {sigRtMax}, so N is 0..{sigRtMax - sigRtMin - 1}";
        return offset >= 0 && sigRtMin + offset + 1 <= sigRtMax;
    }

    /// <summary><c>SIGRTMIN+1 (35)</c>: how the signal is named in logs and docs.</summary>
    public static string Describe(int signal, int sigRtMin) => $"SIGRTMIN+{signal - sigRtMin} ({signal})";

    private static (int, int, string) Query()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (GlibcSigRtMin, LinuxSigRtMax, "default (not Linux)");
        }
        foreach (var library in new[] { "libc.so.6", "libc" })
        {
            if (!NativeLibrary.TryLoad(library, typeof(RealtimeSignals).Assembly, null, out var handle))
            {
                continue;
            }
            if (NativeLibrary.TryGetExport(handle, "__libc_current_sigrtmin", out var min)
                && NativeLibrary.TryGetExport(handle, "__libc_current_sigrtmax", out var max))
            {
                unsafe
                {
                    var rtMin = ((delegate* unmanaged<int>)min)();
                    var rtMax = ((delegate* unmanaged<int>)max)();
                    return (rtMin, rtMax, $"{library} __libc_current_sigrtmin");
                }
            }
        }
        return (GlibcSigRtMin, LinuxSigRtMax, "glibc default (C library not queryable)");
    }
}
