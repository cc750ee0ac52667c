using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace FleetProfiler.Agent.RequestMetrics;

/// <summary>
/// One long-lived, stack-less EventPipe session on a target's <c>System.Diagnostics.Metrics</c> EventSource, as
/// dotnet-counters opens it, subscribed to the one instrument <c>Microsoft.AspNetCore.Hosting\http.server.request.duration</c>.
/// Every <see cref="RequestMetricsOptions.IntervalSeconds"/> the runtime publishes each time series of that histogram
/// (one per method, route, status code, protocol…) with the interval's request count, sum and percentiles
/// (<c>HistogramValuePublished</c>: sessionId, meterName, meterVersion, instrumentName, unit, tags, quantiles, count,
/// sum, and on .NET 9+ instrumentId); the count is a delta (the runtime's aggregator resets at each collection).
/// The session lives until the target exits or the agent stops; other sessions (profiling windows) are independent.
/// </summary>
public static class RequestMetricsSession
{
    public const string Provider = "System.Diagnostics.Metrics";
    public const string Meter = "Microsoft.AspNetCore.Hosting";
    public const string Instrument = "http.server.request.duration";

    /// <summary>MetricsEventSource's TimeSeriesValues keyword: collection bounds, values, errors.</summary>
    public const long TimeSeriesValuesKeyword = 0x2;

    public static EventPipeProvider ProviderFor(string sessionId, RequestMetricsOptions options) =>
        new(Provider, EventLevel.Informational, TimeSeriesValuesKeyword, new Dictionary<string, string>
        {
            ["SessionId"] = sessionId,
            ["Metrics"] = $@"{Meter}\{Instrument}",
            ["RefreshInterval"] = options.IntervalSeconds.ToString(CultureInfo.InvariantCulture),
            ["MaxTimeSeries"] = options.MaxTimeSeries.ToString(CultureInfo.InvariantCulture),
            ["MaxHistograms"] = options.MaxHistograms.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>
    /// Runs the session until the target's stream ends or <paramref name="ct"/> fires, adding every publication to
    /// <paramref name="sink"/> under the target's service. Returns why it ended (null: the stream ended).
    /// </summary>
    public static async Task<string?> RunAsync(TargetProcess target, RequestMetricsOptions options, RouteMinuteAggregator sink,
        ILogger logger, CancellationToken ct)
    {
        var sessionId = Guid.NewGuid().ToString("N");
        using var buffer = Sessions.TargetBuffers.Reserve(target.ProcessId, options.CircularBufferMB, "request metrics");
        var client = new DiagnosticsClient(target.ProcessId);
        EventPipeSession session;
        try
        {
            session = await client.StartEventPipeSessionAsync([ProviderFor(sessionId, options)], requestRundown: false,
                options.CircularBufferMB, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw ProcessDiscovery.Unavailable(target.ProcessId, e);
        }

        using (session)
        {
            string? refused = null;
            using var source = new EventPipeEventSource(session.EventStream);
            DateTime intervalStart = default, intervalEnd = default;
            source.Dynamic.All += e =>
            {
                if (e.ProviderName != Provider)
                {
                    return;
                }
                switch (e.EventName)
                {
                    case "MultipleSessionsNotSupportedError" or "MultipleSessionsConfiguredIncorrectlyError":
                        // Written to every listener: ours was refused only when another session was running first.
                        if (e.PayloadValue(0) as string != sessionId)
                        {
                            refused = $"another tool's metrics session is running in the process ({e.EventName})";
                            StopQuietly(session);
                        }
                        return;
                }
                if (e.PayloadByName("sessionId") as string != sessionId)
                {
                    return;
                }
                switch (e.EventName)
                {
                    case "CollectionStart" or "Collection/Start":
                        intervalStart = Utc(e.PayloadByName("intervalStartTime"));
                        intervalEnd = Utc(e.PayloadByName("intervalEndTime"));
                        break;
                    case "HistogramValuePublished" when intervalEnd != default
                        && e.PayloadByName("meterName") as string == Meter && e.PayloadByName("instrumentName") as string == Instrument:
                        var key = MeterPayload.RouteOf(MeterPayload.ParseTags(e.PayloadByName("tags") as string));
                        sink.Add(target.ServiceName, intervalStart, intervalEnd, key,
                            Convert.ToInt64(e.PayloadByName("count"), CultureInfo.InvariantCulture),
                            Convert.ToDouble(e.PayloadByName("sum"), CultureInfo.InvariantCulture),
                            MeterPayload.ParseQuantiles(e.PayloadByName("quantiles") as string));
                        break;
                    case "BeginInstrumentReporting" when e.PayloadByName("instrumentName") as string == Instrument:
                        logger.LogInformation("Request metrics of {Service} (pid {Pid}): {Instrument} every {Interval} s",
                            target.ServiceName, target.ProcessId, Instrument, options.IntervalSeconds);
                        break;
                    case "HistogramLimitReached" or "TimeSeriesLimitReached":
                        logger.LogWarning("Request metrics of {Service} (pid {Pid}): the runtime's {Limit} was reached; new series are not counted (Agent:RequestMetrics:MaxHistograms / MaxTimeSeries)",
                            target.ServiceName, target.ProcessId, e.EventName);
                        break;
                    case "Error":
                        logger.LogWarning("Request metrics of {Service} (pid {Pid}): the runtime reports: {Error}",
                            target.ServiceName, target.ProcessId, e.PayloadByName("errorMessage"));
                        break;
                }
            };

            using var stop = ct.Register(() => StopQuietly(session));
            // Process() returns when the stream ends: the target exited, or the session was stopped.
            await Task.Factory.StartNew(() => source.Process(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            return refused;
        }
    }

    private static void StopQuietly(EventPipeSession session)
    {
        try
        {
            session.Stop();
        }
        catch (Exception e) when (e is IOException or ServerNotAvailableException or ObjectDisposedException or TimeoutException or UnsupportedCommandException)
        {
            // The target is gone: its stream ends by itself.
        }
    }

    /// <summary>TraceEvent hands DateTime payloads over in local time.</summary>
    private static DateTime Utc(object? value) => value is DateTime t
        ? t.Kind == DateTimeKind.Utc ? t : t.ToUniversalTime()
        : default;
}
