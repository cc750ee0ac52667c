using System.Diagnostics.Tracing;
using System.Runtime.CompilerServices;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace FleetProfiler.Agent.Attribution;

/// <summary>
/// The second session of a window: stack-less (a stack on every activity switch would cost ~4× more per await, see
/// docs/benchmarks.md) and without rundown, streamed and read while the window runs into a <see cref="RequestTimeline"/>.
/// Providers, as measured in the attribution research note:
/// <list type="bullet">
/// <item>TplEventSource, keywords TasksFlowActivityIds (0x80: Start events get activity paths that flow across await) and
/// DebugActivityId (0x40000: event 25 <c>SetActivityId(NewId)</c>, written by a thread whenever its activity changes);</item>
/// <item><c>Microsoft.AspNetCore.Hosting</c> Request Start/Stop (method, path; the activity of the request);</item>
/// <item><c>Microsoft-Extensions-Logging</c> FormattedMessage (0x4) of the routing middleware only, for its <c>MatchSuccess</c>
/// message naming the endpoint (present unless the app cleared its logging providers).</item>
/// </list>
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
    private readonly EventPipeEventSource _source;
    private readonly Task _reading;
    private readonly RequestTimeline _timeline;
    private readonly int _processId;

    public static IReadOnlyList<EventPipeProvider> Providers { get; } =
    [
        new(TplProvider, EventLevel.Verbose, TasksFlowActivityIdsKeyword | DebugActivityIdKeyword),
        new(HostingProvider, EventLevel.Informational),
        new(LoggingProvider, EventLevel.Verbose, FormattedMessageKeyword,
            new Dictionary<string, string> { ["FilterSpecs"] = $"{RoutingLogger}:Debug" }),
    ];

    private AttributionSession(int processId, EventPipeSession session, RequestTimeline timeline)
    {
        _processId = processId;
        _session = session;
        _timeline = timeline;
        _source = new EventPipeEventSource(session.EventStream);
        _source.Dynamic.All += OnEvent;
        // Process() returns when the stream ends: after StopAsync, or when the target exits.
        _reading = Task.Factory.StartNew(_source.Process, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <exception cref="TargetUnavailableException">The session could not start.</exception>
    public static async Task<AttributionSession> StartAsync(int processId, AttributionOptions options, CancellationToken ct)
    {
        var client = new DiagnosticsClient(processId);
        EventPipeSession session;
        try
        {
            session = await client.StartEventPipeSessionAsync(
                new EventPipeSessionConfiguration(Providers, options.CircularBufferMB, requestRundown: false, requestStackwalk: false), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw ProcessDiscovery.Unavailable(processId, e);
        }
        return new AttributionSession(processId, session, new RequestTimeline(options, ActivityPaths.PathOf));
    }

    /// <summary>Stops the session, reads what is left of its stream and returns the window's attributor.</summary>
    public async Task<SampleAttributor> StopAsync(TimeSpan timeout, ILogger logger)
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
            return _timeline.Build();
        }
        catch (TimeoutException)
        {
            return SampleAttributor.Unavailable($"the attribution session did not end within {timeout.TotalSeconds:F0} s");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or EndOfStreamException or FormatException)
        {
            // The stream broke mid-event or mid-block (the target died; TraceEvent says "Read past end of stream" with a
            // FormatException): what was read before still counts.
            logger.LogDebug("Attribution stream of process {Pid} broke: {Message}", _processId, e.Message);
            return _timeline.Build();
        }
        finally
        {
            _source.Dispose();
            _session.Dispose();
        }
    }

    private void OnEvent(TraceEvent e)
    {
        switch (e.ProviderName)
        {
            case TplProvider when (int)e.ID == SetActivityIdEvent && e.EventDataLength >= 16:
                _timeline.ActivitySwitched(Time(e), e.ThreadID, ReadGuid(e));
                break;
            case HostingProvider when (int)e.ID == RequestStartEvent:
                _timeline.RequestStarted(Time(e), e.ThreadID, e.ActivityID, e.PayloadByName("method") as string);
                break;
            case HostingProvider when (int)e.ID == RequestStopEvent:
                _timeline.RequestStopped(Time(e), e.ThreadID, e.ActivityID, e.PayloadByName("method") as string);
                break;
            case LoggingProvider when e.EventName == "FormattedMessage" && e.PayloadByName("LoggerName") as string == RoutingLogger:
                if (EndpointLabels.EndpointOfMatchMessage(e.PayloadByName("FormattedMessage") as string) is { } endpoint)
                {
                    _timeline.RouteMatched(e.ActivityID, endpoint);
                }
                break;
        }
    }

    /// <summary>The runtime's own timestamp: the same clock in every session of the process, unlike the UTC conversion (ms-exact only).</summary>
#pragma warning disable CS0618 // TimeStampQPC is "discouraged", not obsolete: it is the only cross-session-exact time.
    internal static long Time(TraceEvent e) => e.TimeStampQPC;
#pragma warning restore CS0618

    private static unsafe Guid ReadGuid(TraceEvent e) => Unsafe.ReadUnaligned<Guid>((void*)e.DataStart);
}
