namespace FleetProfiler.Agent.Sessions;

/// <summary>
/// The EventPipe buffers this agent holds in each target process, counted against <see cref="AgentOptions.MaxSessionBufferMBPerTarget"/>
/// (issue 10 item 4): every session (a window, a command run, attribution, request metrics, a heap dump) reserves its
/// circular buffer before it starts and gives it back when it ends, so triggers, schedules and signals together cannot
/// make one target allocate more than the limit. A session over it is refused like an unavailable target, with the
/// reason. One table per agent process, since sessions of every kind share the target.
/// </summary>
public static class TargetBuffers
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, int> Held = [];

    /// <summary>The limit in force (set from the options at start; the default otherwise).</summary>
    public static int LimitMB { get; set; } = AgentOptions.DefaultMaxSessionBufferMBPerTarget;

    /// <summary>MB reserved in <paramref name="processId"/> now.</summary>
    public static int HeldMB(int processId)
    {
        lock (Gate) return Held.GetValueOrDefault(processId);
    }

    /// <summary>Reserves <paramref name="mb"/> in the target for <paramref name="session"/>; dispose the lease when the session has ended.</summary>
    /// <exception cref="TargetUnavailableException">The target would hold more than the limit.</exception>
    public static IDisposable Reserve(int processId, int mb, string session)
    {
        lock (Gate)
        {
            if (RefusalLocked(processId, mb, session) is { } refusal)
            {
                throw new TargetUnavailableException(processId, refusal);
            }
            Held[processId] = Held.GetValueOrDefault(processId) + mb;
        }
        return new Lease(processId, mb);
    }

    /// <summary>Why a <paramref name="mb"/> MB <paramref name="session"/> in the target would be refused now (null: it fits), for a
    /// command's answer; the session still reserves when it starts.</summary>
    public static string? Refusal(int processId, int mb, string session)
    {
        lock (Gate) return RefusalLocked(processId, mb, session);
    }

    private static string? RefusalLocked(int processId, int mb, string session)
    {
        var held = Held.GetValueOrDefault(processId);
        return held + mb > LimitMB
            ? $"the {session} session's {mb} MB buffer is refused: process {processId} already holds {held} MB of session buffers (Agent:MaxSessionBufferMBPerTarget = {LimitMB})"
            : null;
    }

    private static void Release(int processId, int mb)
    {
        lock (Gate)
        {
            var left = Held.GetValueOrDefault(processId) - mb;
            if (left > 0) Held[processId] = left;
            else Held.Remove(processId);
        }
    }

    private sealed class Lease(int processId, int mb) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Release(processId, mb);
        }
    }
}
