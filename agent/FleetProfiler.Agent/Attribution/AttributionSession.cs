using System.Diagnostics.Tracing;
using System.Runtime.CompilerServices;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace FleetProfiler.Agent.Attribution;

/// <summary>
/// The attribution session of one target process, shared by every window of that process that runs while it is open
/// (see <see cref="AttributionSessions"/>): stack-less (a stack on every activity switch would cost ~4× more per await,
/// see docs/benchmarks.md) and without rundown, streamed and read while the windows run. Each window joins with a
/// <see cref="RequestTimeline"/> of its own, fed from its joining to its leaving (its slice of the session) and seeded
/// with what the session knew when it joined (<see cref="SessionState"/>). Providers, as measured in the attribution
/// research note:
/// <list type="bullet">
/// <item>TplEventSource, keywords TasksFlowActivityIds (0x80: Start events get activity paths that flow across await) and
/// DebugActivityId (0x40000: event 25 <c>SetActivityId(NewId)</c>, written by a thread whenever its activity changes);</item>
/// <item><c>Microsoft.AspNetCore.Hosting</c> Request Start/Stop (method, path; the activity of the request);</item>
/// <item><c>Microsoft-Extensions-Logging</c> FormattedMessage (0x4) of the routing middleware only, for its <c>MatchSuccess</c>
/// message naming the endpoint (present unless the app cleared its logging providers).</item>
/// </list>
/// Why one session per process: the runtime's EventSource logger keeps ONE filter per process, set by the last session
/// that enabled or disabled <c>Microsoft-Extensions-Logging</c>. With a session per window, the end of one window's
/// session switched the routing log off for the other windows still running (measured: a cpu window outliving an alloc
/// window lost the route of 313 of its 523 requests).
/// Once a session enabled TasksFlowActivityIds the runtime keeps flowing activity ids for the process's lifetime (a small cost per await).
/// </summary>
public sealed class AttributionSession
{
    public const string TplProvider = "System.Threading.Tasks.TplEventSource";
    public const string HostingProvider = "Microsoft.AspNetCore.Hosting";
    public const string LoggingProvider = "Microsoft-Extensions-Logging";
    public const string RoutingLogger = "Microsoft.AspNetCore.Routing.EndpointRoutingMiddleware";

    public const long TasksFlowActivityIdsKeyword = 0x80;
    public const long DebugActivityIdKeyword = 0x40000;
    public const long FormattedMessageKeyword = 0x4;

    private const int SetActivityIdEvent = 25;
    private const int RequestStartEvent = 3;
    private const int RequestStopEvent = 4;

    private readonly EventPipeSession _session;
    // The session's buffer in the target (Sessions.TargetBuffers), given back when the session is disposed.
    private IDisposable? _buffer;
    private readonly EventPipeEventSource _source;
    private readonly Task _reading;
    private readonly AttributionOptions _options;
    private readonly int _processId;

    // The reading thread feeds the state and every joined window's timeline under this lock; joining and leaving take it too.
    private readonly Lock _gate = new();
    private readonly SessionState _state;
    private readonly List<RequestTimeline> _windows = [];
    private readonly List<(long Time, TaskCompletionSource Reached)> _waiters = [];
    private long _lastTime = long.MinValue;

    public static IReadOnlyList<EventPipeProvider> Providers { get; } = ProvidersFor(activityTimeline: true);

    /// <summary>
    /// The session's providers; without <paramref name="activityTimeline"/> the TPL provider keeps TasksFlowActivityIds
    /// (the Hosting events' activity ids pair each Stop with its Start) but not DebugActivityId: no <c>SetActivityId</c>
    /// events, so every window falls back to thread correlation.
    /// </summary>
    public static IReadOnlyList<EventPipeProvider> ProvidersFor(bool activityTimeline) =>
    [
        new(TplProvider, EventLevel.Verbose, TasksFlowActivityIdsKeyword | (activityTimeline ? DebugActivityIdKeyword : 0)),
        new(HostingProvider, EventLevel.Informational),
        new(LoggingProvider, EventLevel.Verbose, FormattedMessageKeyword,
            new Dictionary<string, string> { ["FilterSpecs"] = $"{RoutingLogger}:Debug" }),
    ];

    private AttributionSession(int processId, EventPipeSession session, AttributionOptions options)
    {
        _processId = processId;
        _session = session;
        _options = options;
        _state = new SessionState(options.MaxRequestsPerWindow, ActivityPaths.PathOf);
        _source = new EventPipeEventSource(session.EventStream);
        _source.Dynamic.All += OnEvent;
        // Process() returns when the stream ends: after StopAsync, or when the target exits.
        _reading = Task.Factory.StartNew(_source.Process, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Windows joined and not yet left (kept by <see cref="AttributionSessions"/> under its slot's turn).</summary>
    internal int Windows { get; set; }

    /// <summary>Windows that joined over the session's life.</summary>
    internal int Joined { get; set; }

    /// <summary>The stream ended (stopped, or the target exited): a window joining now would see nothing.</summary>
    public bool Ended => _reading.IsCompleted;

    /// <exception cref="TargetUnavailableException">The session could not start.</exception>
    public static async Task<AttributionSession> StartAsync(int processId, AttributionOptions options, CancellationToken ct)
    {
        var buffer = Sessions.TargetBuffers.Reserve(processId, options.CircularBufferMB, "attribution");
        var client = new DiagnosticsClient(processId);
        EventPipeSession session;
        try
        {
            session = await client.StartEventPipeSessionAsync(
                new EventPipeSessionConfiguration(ProvidersFor(options.ActivityTimeline), options.CircularBufferMB, requestRundown: false, requestStackwalk: false), ct);
        }
        catch (Exception e)
        {
            buffer.Dispose();
            if (e is OperationCanceledException) throw;
            throw ProcessDiscovery.Unavailable(processId, e);
        }
        return new AttributionSession(processId, session, options) { _buffer = buffer };
    }

    /// <summary>A window joins: its timeline gets every event from now until <see cref="LeaveAsync"/>, after what the session knows now.</summary>
    public RequestTimeline Join()
    {
        var timeline = new RequestTimeline(_options, ActivityPaths.PathOf);
        lock (_gate)
        {
            _state.Seed(timeline);
            _windows.Add(timeline);
        }
        return timeline;
    }

    /// <summary>
    /// A window leaves while others stay: once the session has read its events up to <paramref name="until"/> (the
    /// runtime's clock, as <see cref="Time"/>; the window's end), or the stream ended, or <paramref name="timeout"/>
    /// passed (an idle process writes nothing to read), its timeline is detached and built.
    /// </summary>
    public async Task<SampleAttributor> LeaveAsync(RequestTimeline timeline, long until, TimeSpan timeout, ILogger logger)
    {
        TaskCompletionSource? reached = null;
        lock (_gate)
        {
            if (_lastTime < until && !_reading.IsCompleted)
            {
                reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((until, reached));
            }
        }
        if (reached is not null)
        {
            try
            {
                await Task.WhenAny(reached.Task, _reading).WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                logger.LogDebug("Attribution session of process {Pid}: no event past the window's end within {Seconds:F1} s (idle process?)",
                    _processId, timeout.TotalSeconds);
            }
        }
        lock (_gate)
        {
            _windows.Remove(timeline);
            if (reached is not null)
            {
                _waiters.RemoveAll(w => w.Reached == reached);
            }
        }
        return timeline.Build();
    }

    /// <summary>
    /// The last window leaves: stops the session, reads what is left of its stream and builds that window's timeline.
    /// </summary>
    public async Task<SampleAttributor> StopAsync(RequestTimeline timeline, TimeSpan timeout, ILogger logger)
    {
        try
        {
            using var stop = new CancellationTokenSource(timeout);
            try
            {
                await _session.StopAsync(stop.Token);
            }
            catch (Exception e) when (e is IOException or ServerNotAvailableException or ObjectDisposedException or TimeoutException
                or OperationCanceledException or UnsupportedCommandException)
            {
                // The target is gone: its stream ends by itself.
                logger.LogDebug("Stopping the attribution session of process {Pid} failed: {Message}", _processId, e.Message);
            }
            await _reading.WaitAsync(timeout);
            return Detach(timeline).Build();
        }
        catch (TimeoutException)
        {
            Detach(timeline);
            return SampleAttributor.Unavailable($"the attribution session did not end within {timeout.TotalSeconds:F0} s");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or EndOfStreamException or FormatException)
        {
            // The stream broke mid-event or mid-block (the target died; TraceEvent says "Read past end of stream" with a
            // FormatException): what was read before still counts.
            logger.LogDebug("Attribution stream of process {Pid} broke: {Message}", _processId, e.Message);
            return Detach(timeline).Build();
        }
        finally
        {
            _source.Dispose();
            _session.Dispose();
            _buffer?.Dispose();
        }
    }

    private RequestTimeline Detach(RequestTimeline timeline)
    {
        lock (_gate)
        {
            _windows.Remove(timeline);
        }
        return timeline;
    }

    /// <summary>
    /// What the session read, by provider and event (the target writes each of them: the attribution's cost is per
    /// event), e.g. <c>TplEventSource/25 41,200; Microsoft.AspNetCore.Hosting/3 1,020; …</c>, most first.
    /// </summary>
    public string EventCounts()
    {
        lock (_gate)
        {
            return string.Join("; ", _eventCounts.OrderByDescending(kv => kv.Value).Take(12)
                .Select(kv => $"{kv.Key.Provider.Split('.')[^1]}/{kv.Key.Id}{(kv.Key.Name is { Length: > 0 } n ? " " + n : "")} {kv.Value:N0}"));
        }
    }

    private readonly Dictionary<(string Provider, int Id, string? Name), long> _eventCounts = [];

    private void OnEvent(TraceEvent e)
    {
        lock (_gate)
        {
            // Bounded by the providers' event types (a few dozen).
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(
                _eventCounts, (e.ProviderName, (int)e.ID, (int)e.ID == SetActivityIdEvent ? null : e.EventName), out _);
            count++;
        }
        switch (e.ProviderName)
        {
            case TplProvider when (int)e.ID == SetActivityIdEvent && e.EventDataLength >= 16:
                var (time, thread, newId) = (Time(e), e.ThreadID, ReadGuid(e));
                lock (_gate)
                {
                    _state.ActivitySwitched(time, thread, newId);
                    foreach (var w in _windows)
                    {
                        w.ActivitySwitched(time, thread, newId);
                    }
                    Reached(time);
                }
                break;
            case HostingProvider when (int)e.ID == RequestStartEvent:
                var (start, starter, request, method) = (Time(e), e.ThreadID, e.ActivityID, e.PayloadByName("method") as string);
                lock (_gate)
                {
                    _state.RequestStarted(start, starter, request, method);
                    foreach (var w in _windows)
                    {
                        w.RequestStarted(start, starter, request, method);
                    }
                    Reached(start);
                }
                break;
            case HostingProvider when (int)e.ID == RequestStopEvent:
                var (stop, stopper, stopped, stopMethod) = (Time(e), e.ThreadID, e.ActivityID, e.PayloadByName("method") as string);
                lock (_gate)
                {
                    _state.RequestStopped(stopped);
                    foreach (var w in _windows)
                    {
                        w.RequestStopped(stop, stopper, stopped, stopMethod);
                    }
                    Reached(stop);
                }
                break;
            case LoggingProvider when e.EventName == "FormattedMessage" && e.PayloadByName("LoggerName") as string == RoutingLogger:
                if (EndpointLabels.EndpointOfMatchMessage(e.PayloadByName("FormattedMessage") as string) is { } endpoint)
                {
                    var (matched, activity) = (Time(e), e.ActivityID);
                    lock (_gate)
                    {
                        _state.RouteMatched(activity, endpoint);
                        foreach (var w in _windows)
                        {
                            w.RouteMatched(activity, endpoint);
                        }
                        Reached(matched);
                    }
                }
                break;
        }
    }

    /// <summary>Under the lock: the session has read up to <paramref name="time"/>; wakes the windows waiting for it.</summary>
    private void Reached(long time)
    {
        _lastTime = Math.Max(_lastTime, time);
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Time <= _lastTime)
            {
                _waiters[i].Reached.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    /// <summary>The runtime's own timestamp: the same clock in every session of the process, unlike the UTC conversion (ms-exact only).</summary>
#pragma warning disable CS0618 // TimeStampQPC is "discouraged", not obsolete: it is the only cross-session-exact time.
    internal static long Time(TraceEvent e) => e.TimeStampQPC;
#pragma warning restore CS0618

    private static unsafe Guid ReadGuid(TraceEvent e) => Unsafe.ReadUnaligned<Guid>((void*)e.DataStart);
}
