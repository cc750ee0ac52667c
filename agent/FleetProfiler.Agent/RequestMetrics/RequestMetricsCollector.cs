using System.Collections.Concurrent;
using FleetProfiler.Agent.Spool;
using Microsoft.Extensions.Hosting;

namespace FleetProfiler.Agent.RequestMetrics;

/// <summary>
/// Daemon mode: keeps one <see cref="RequestMetricsSession"/> open on every ASP.NET Core target for as long as it
/// lives (not only in profiling windows), adds what they publish into minutes and spools each finished minute.
/// </summary>
/// <remarks>
/// A target is ASP.NET Core when <c>Microsoft.AspNetCore.Hosting.dll</c> is mapped in it (checked at each discovery
/// scan until it is). Sessions start on a UTC multiple of the interval, so the runtime's intervals (aligned to the
/// session's start) fall inside minutes. A minute is spooled one interval plus <see cref="Grace"/> after it ends;
/// a publication that still arrives later for it is spooled as another batch for the same minute (rows add up).
/// On stop every open minute is spooled. Requests of a target's last partial interval before it exits are lost.
/// </remarks>
public sealed class RequestMetricsCollector(
    TargetRegistry targets,
    WindowSpool spool,
    IOptions<AgentOptions> options,
    TimeProvider clock,
    ILogger<RequestMetricsCollector> logger) : BackgroundService
{
    /// <summary>Slack for the target's stream to deliver an interval's events after the interval ends.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    private const string HostingAssembly = "/Microsoft.AspNetCore.Hosting.dll";

    private readonly RouteMinuteAggregator _minutes = new(options.Value.RequestMetrics.MaxRoutesPerMinute);
    private readonly ConcurrentDictionary<int, Task> _sessions = new();
    private readonly ConcurrentDictionary<int, DateTimeOffset> _retryAfter = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.RequestMetrics;
        await targets.FirstScan.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var interval = TimeSpan.FromSeconds(settings.IntervalSeconds);
        var scan = TimeSpan.FromSeconds(Math.Min(options.Value.DiscoverySeconds, settings.IntervalSeconds));
        using var timer = new PeriodicTimer(scan, clock);
        var nextFlush = clock.GetUtcNow() + interval;
        try
        {
            do
            {
                StartNewSessions(settings, stoppingToken);
                if (clock.GetUtcNow() >= nextFlush)
                {
                    Spool(_minutes.TakeCompleted(clock.GetUtcNow() - interval - Grace));
                    nextFlush = clock.GetUtcNow() + interval;
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await Task.WhenAll(_sessions.Values).WaitAsync(TimeSpan.FromSeconds(options.Value.StopTimeoutSeconds), CancellationToken.None)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Spool(_minutes.TakeAll());
        }
    }

    private void StartNewSessions(RequestMetricsOptions settings, CancellationToken stoppingToken)
    {
        foreach (var target in targets.Current)
        {
            if (_sessions.ContainsKey(target.ProcessId)
                || (_retryAfter.TryGetValue(target.ProcessId, out var retry) && clock.GetUtcNow() < retry)
                || !IsAspNetCore(target.ProcessId))
            {
                continue;
            }
            _retryAfter.TryRemove(target.ProcessId, out _);
            _sessions[target.ProcessId] = RunSessionAsync(target, settings, stoppingToken);
        }
    }

    private async Task RunSessionAsync(TargetProcess target, RequestMetricsOptions settings, CancellationToken ct)
    {
        try
        {
            await Task.Delay(UntilAligned(clock.GetUtcNow(), settings.IntervalSeconds), clock, ct);
            var refused = await RequestMetricsSession.RunAsync(target, settings, _minutes, logger, ct);
            if (refused is not null)
            {
                logger.LogWarning("Request metrics of {Service} (pid {Pid}) not collected: {Reason}; retrying in {Seconds} s",
                    target.ServiceName, target.ProcessId, refused, settings.RetrySeconds);
                _retryAfter[target.ProcessId] = clock.GetUtcNow().AddSeconds(settings.RetrySeconds);
            }
            else if (!ct.IsCancellationRequested && ProcessDiscovery.ProcessExists(target.ProcessId))
            {
                logger.LogWarning("Request metrics session of {Service} (pid {Pid}) ended while the process lives; retrying in {Seconds} s",
                    target.ServiceName, target.ProcessId, settings.RetrySeconds);
                _retryAfter[target.ProcessId] = clock.GetUtcNow().AddSeconds(settings.RetrySeconds);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning("Request metrics of {Service} (pid {Pid}) failed: {Error}; retrying in {Seconds} s",
                target.ServiceName, target.ProcessId, e.Message, settings.RetrySeconds);
            _retryAfter[target.ProcessId] = clock.GetUtcNow().AddSeconds(settings.RetrySeconds);
        }
        finally
        {
            _sessions.TryRemove(target.ProcessId, out _);
        }
    }

    /// <summary>Time until the next UTC multiple of the interval.</summary>
    internal static TimeSpan UntilAligned(DateTimeOffset now, int intervalSeconds)
    {
        var period = TimeSpan.FromSeconds(intervalSeconds).Ticks;
        var rest = now.UtcTicks % period;
        return rest == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(period - rest);
    }

    private static bool IsAspNetCore(int pid)
    {
        try
        {
            return File.ReadLines($"/proc/{pid}/maps").Any(l => l.EndsWith(HostingAssembly, StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Spool(IReadOnlyList<ServiceRouteMinutes> finished)
    {
        var host = options.Value.EffectiveHost;
        foreach (var service in finished)
        {
            foreach (var batch in RouteMinuteBatches.From(service, host))
            {
                var sequence = spool.Add(batch);
                logger.LogInformation("Spooled request metrics of {Service} as batch {Sequence}: {Rows} route row(s), {Requests} request(s), {From:HH:mm}–{To:HH:mm} UTC",
                    service.Service, sequence, batch.RouteMinutes.Count, batch.RouteMinutes.Sum(r => r.Requests),
                    batch.WindowStart.ToDateTime(), batch.WindowEnd.ToDateTime());
            }
        }
    }
}
