using System.Runtime.InteropServices;

namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>kill(2), as <c>kill -s</c> does: real-time signal numbers are not in .NET's API.</summary>
public static partial class Signals
{
    public const int SigTerm = 15;

    public static void Send(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
