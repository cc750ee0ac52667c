using FleetProfiler.Agent.Coverage;
using FleetProfiler.Agent.HeapSnapshots;
using Microsoft.Extensions.Hosting;

namespace FleetProfiler.Agent.Triggers;

/// <summary>
/// The schedule trigger: for each <see cref="AgentOptions.Schedules"/> entry, one window per period at this host's
/// jittered offset, on the processes whose service this host samples in that period (see <see cref="HostSampling"/>).
/// Between windows nothing is attached.
/// </summary>
public sealed class ScheduledProfiling(
    ProfilingRuns runs,
    CoverageRuns coverage,
    HeapSnapshotRuns heapSnapshots,
    TargetRegistry registry,
    TimeProvider time,
    IOptions<AgentOptions> options,
    ILogger<ScheduledProfiling> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Schedules.Count == 0)
        {
            logger.LogInformation("No schedule configured (Agent:Schedules): windows run only on signals and gateway commands");
            return;
        }
        await registry.FirstScan.WaitAsync(stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
        await Task.WhenAll(settings.Schedules.Select((s, i) => RunScheduleAsync(i, s, settings, stoppingToken)));
    }

    private async Task RunScheduleAsync(int index, ScheduleOptions schedule, AgentOptions settings, CancellationToken ct)
    {
        var isCoverage = schedule.Kind == CoverageBatches.Kind;
        var isHeap = schedule.Kind == HeapSnapshotBatches.Kind;
        var kinds = isCoverage || isHeap ? ProfileKinds.None : ProfileKindNames.Parse(schedule.Kind);
        var name = $"schedule {(isCoverage || isHeap ? schedule.Kind : ProfileKindNames.Format(kinds))}";
        if (settings.Schedules.Take(index).Any(s => s.Kind == schedule.Kind || (!isCoverage && !isHeap && ProfileKindNames.TryParse(s.Kind, out var k) && k == kinds)))
        {
            name += $" #{index}";
        }
        var seconds = schedule.Seconds == 0 ? settings.DefaultSecondsFor(kinds) : schedule.Seconds;
        var window = TimeSpan.FromSeconds(seconds);
        var fraction = schedule.HostSampling ?? settings.HostSampling;
        var host = settings.EffectiveHost;
        logger.LogInformation("{Schedule}: {Seconds} s every {Every}, host sampling {Fraction:P0}", name, seconds, schedule.Every, fraction);

        long? last = null;
        while (!ct.IsCancellationRequested)
        {
            // Never twice in one period, even when a round ends before the period does.
            var from = time.GetUtcNow();
            if (last is { } done && HostSampling.PeriodStart(done + 1, schedule.Every) > from)
            {
                from = HostSampling.PeriodStart(done + 1, schedule.Every);
            }
            var (period, start) = HostSampling.NextWindow(host, name, from, schedule.Every, window);
            var wait = start - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            last = period;

            var targets = registry.Current;
            var selected = targets.Where(t => HostSampling.IsSelected(host, t.ServiceName, period, fraction)).ToList();
            var skipped = targets.Except(selected).Select(t => t.ServiceName).Distinct().ToList();
            logger.LogInformation("{Schedule}, period {Period}: profiling {Selected}{Skipped}", name, period,
                selected.Count == 0 ? "nothing" : string.Join(", ", selected.Select(t => $"{t.ServiceName}/{t.ProcessId}")),
                skipped.Count == 0 ? "" : $"; not sampled on this host this period: {string.Join(", ", skipped)}");
            if (selected.Count > 0 && runs.IsActive(name))
            {
                logger.LogWarning("{Schedule}, period {Period}: the previous window is still being processed; skipping this period", name, period);
            }
            else if (selected.Count > 0 && isCoverage)
            {
                await coverage.RunAsync(name, selected.Select(t => t.ProcessId).ToList());
            }
            else if (selected.Count > 0 && isHeap)
            {
                await heapSnapshots.RunAsync(name, selected.Select(t => t.ProcessId).ToList());
            }
            else if (selected.Count > 0)
            {
                await runs.RunAsync(new ProfilingRequest(name, kinds, selected.Select(t => t.ProcessId).ToList(), window, UntilStopped: false));
            }
        }
    }
}
