using FleetProfiler.Abstractions.Profiles;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FleetProfiler.Gateway.Status;

/// <summary>
/// Unhealthy once the profile rollup failed its threshold of runs in a row: buckets go stale and retention stops
/// deleting, which nothing else on the ingest or query path would reveal until the disk fills.
/// </summary>
public sealed class RollupHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var h = await grains.GetGrain<IProfileRollupGrain>(IProfileRollupGrain.Key).GetHealthAsync().WaitAsync(cancellationToken);
            if (h.Healthy)
                return HealthCheckResult.Healthy($"rollup watermark {h.Watermark}, {h.ConsecutiveFailures} failure(s) in a row");
            return HealthCheckResult.Unhealthy($"rollup failed {h.ConsecutiveFailures} runs in a row (threshold {h.FailureThreshold}); last error: {h.LastError}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("rollup unreachable: " + e.Message);
        }
    }
}
