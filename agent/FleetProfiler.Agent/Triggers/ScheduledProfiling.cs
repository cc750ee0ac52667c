using Microsoft.Extensions.Hosting;

namespace FleetProfiler.Agent.Triggers;

/// <summary>
/// Daemon mode: every <see cref="AgentOptions.IntervalSeconds"/> (plus jitter, so hosts do not line up), discover the
/// selected processes and profile each for one window. Windows are only logged for now: spool and upload come later.
/// </summary>
public sealed class ScheduledProfiling(
    ProcessDiscovery discovery,
    WindowCollector collector,
    IOptions<AgentOptions> options,
    ILogger<ScheduledProfiling> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var kinds = ProfileKindNames.Parse(settings.Kinds);
        var window = TimeSpan.FromSeconds(settings.WindowSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            var targets = discovery.Discover();
            logger.LogInformation("Discovered {Count} process(es) to profile: {Targets}", targets.Count,
                string.Join(", ", targets.Select(t => $"{t.ServiceName}/{t.ProcessId}")));
            foreach (var target in targets)
            {
                try
                {
                    await collector.CollectAsync(target, kinds, window, stoppingToken);
                }
                catch (TargetUnavailableException e)
                {
                    logger.LogInformation("Skipped: {Reason}", e.Message);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Window of pid {Pid} failed", target.ProcessId);
                }
            }

            var pause = settings.IntervalSeconds * (1 + Random.Shared.NextDouble() / 2);
            await Task.Delay(TimeSpan.FromSeconds(pause), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
        }
    }
}
