namespace FleetProfiler.Agent.Attribution;

/// <summary>
/// One attribution session per target process, shared by the windows of that process that overlap in time (a cpu and
/// an alloc schedule, a command during a schedule): the first window to join starts it, the last to leave stops it, and
/// a window joining while the previous session is still stopping waits for that stop, so that two sessions with the
/// logging provider never overlap (see <see cref="AttributionSession"/> for why).
/// </summary>
public sealed class AttributionSessions(IOptions<AgentOptions> options, ILogger<AttributionSessions> logger)
{
    /// <summary>How long a window leaving a shared session waits for the session to read its events up to the window's end.</summary>
    public static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly Dictionary<int, Slot> _slots = [];

    private sealed class Slot
    {
        /// <summary>Held while the session starts, is joined, or stops (a new one waits for the old one's end).</summary>
        public SemaphoreSlim Turn { get; } = new(1, 1);
        public AttributionSession? Session { get; set; }

        /// <summary>Callers between finding the slot and releasing its turn (the slot is dropped only at 0).</summary>
        public int Users { get; set; }
    }

    /// <summary>Attribution sessions open right now (at most one per process).</summary>
    public int OpenSessions
    {
        get
        {
            lock (_gate)
            {
                return _slots.Values.Count(s => s.Session is not null);
            }
        }
    }

    /// <summary>A window of <paramref name="processId"/> joins its attribution session, starting it if none runs.</summary>
    /// <exception cref="TargetUnavailableException">The session could not start.</exception>
    public async Task<AttributionLease> JoinAsync(int processId, CancellationToken ct)
    {
        var slot = Enter(processId);
        try
        {
            await slot.Turn.WaitAsync(ct);
            try
            {
                if (slot.Session is { Ended: true })
                {
                    // The stream ended under the windows still in it (they build what they read and stop it when they
                    // leave): later windows need a new one.
                    logger.LogDebug("Attribution session of process {Pid} ended by itself; starting a new one", processId);
                    slot.Session = null;
                }
                if (slot.Session is null)
                {
                    slot.Session = await AttributionSession.StartAsync(processId, options.Value.Attribution, ct);
                    logger.LogInformation("Attribution session of pid {Pid} started", processId);
                }
                slot.Session.Windows++;
                slot.Session.Joined++;
                return new AttributionLease(this, processId, slot.Session, slot.Session.Join());
            }
            finally
            {
                slot.Turn.Release();
            }
        }
        finally
        {
            Exit(processId, slot);
        }
    }

    /// <summary>
    /// The window of <paramref name="lease"/> ended: the last window stops the session; others detach their slice once
    /// the session has read up to now.
    /// </summary>
    internal async Task<SampleAttributor> LeaveAsync(AttributionLease lease, ILogger windowLogger)
    {
        var until = Stopwatch.GetTimestamp();
        var stopTimeout = TimeSpan.FromSeconds(options.Value.StopTimeoutSeconds);
        var slot = Enter(lease.ProcessId);
        try
        {
            await slot.Turn.WaitAsync(CancellationToken.None);
            try
            {
                if (--lease.Session.Windows == 0)
                {
                    if (slot.Session == lease.Session)
                    {
                        slot.Session = null;
                    }
                    // Still holding the turn: a window joining now waits until this session is gone.
                    var attributor = await lease.Session.StopAsync(lease.Timeline, stopTimeout, windowLogger);
                    logger.LogInformation("Attribution session of pid {Pid} stopped, shared by {Windows} window(s); events read: {Events}",
                        lease.ProcessId, lease.Session.Joined, lease.Session.EventCounts());
                    return attributor;
                }
            }
            finally
            {
                slot.Turn.Release();
            }
            return await lease.Session.LeaveAsync(lease.Timeline, until, CatchUpTimeout, windowLogger);
        }
        finally
        {
            Exit(lease.ProcessId, slot);
        }
    }

    private Slot Enter(int processId)
    {
        lock (_gate)
        {
            if (!_slots.TryGetValue(processId, out var slot))
            {
                _slots[processId] = slot = new Slot();
            }
            slot.Users++;
            return slot;
        }
    }

    private void Exit(int processId, Slot slot)
    {
        lock (_gate)
        {
            slot.Users--;
            if (slot.Users == 0 && slot.Session is null)
            {
                _slots.Remove(processId);
            }
        }
    }
}

/// <summary>A window's part in its process's attribution session, from joining to <see cref="LeaveAsync"/>.</summary>
public sealed class AttributionLease
{
    private readonly AttributionSessions _owner;

    internal AttributionLease(AttributionSessions owner, int processId, AttributionSession session, RequestTimeline timeline)
    {
        _owner = owner;
        ProcessId = processId;
        Session = session;
        Timeline = timeline;
    }

    public int ProcessId { get; }
    internal AttributionSession Session { get; }
    internal RequestTimeline Timeline { get; }

    /// <summary>The window ended: its attributor, built from its slice of the session.</summary>
    public Task<SampleAttributor> LeaveAsync(ILogger logger) => _owner.LeaveAsync(this, logger);
}
