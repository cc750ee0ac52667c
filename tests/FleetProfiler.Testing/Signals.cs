using System.Runtime.InteropServices;

namespace FleetProfiler.Testing;

/// <summary>kill(2), as <c>kill -s</c> does: real-time signal numbers are not in .NET's API.</summary>
public static partial class Signals
{
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to this one process; false when it is gone.</summary>
    public static bool TrySend(int pid, int signal) => Kill(pid, signal) == 0;

    public static void Send(int pid, int signal)
    {
        if (!TrySend(pid, signal))
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
