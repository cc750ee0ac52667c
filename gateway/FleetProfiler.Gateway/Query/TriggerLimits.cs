using System.Threading.RateLimiting;

namespace FleetProfiler.Gateway.Query;

/// <summary>Bounds on remote triggers, bound from <c>FleetProfiler:Triggers</c>.</summary>
public sealed class TriggerOptions
{
    public const string Section = "FleetProfiler:Triggers";

    /// <summary>Triggers one host (of one service) accepts per minute, as a bucket of this many refilled evenly.</summary>
    public int PerHostPerMinute { get; set; } = 10;

    public void Validate()
    {
        if (PerHostPerMinute is < 1 or > 10_000) throw new StartupException($"{Section}:PerHostPerMinute must be 1..10000.");
    }
}

/// <summary>
/// A token bucket per service/host for <c>Query/Trigger</c>: a flood of triggers (a script gone wrong, a stolen operator
/// key) reaches an agent at a bounded rate; the rest are RESOURCE_EXHAUSTED. Per gateway process.
/// </summary>
public sealed class TriggerLimits(TriggerOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(host =>
        RateLimitPartition.GetTokenBucketLimiter(host, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.PerHostPerMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / options.PerHostPerMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Takes one trigger from the host's bucket, or throws RESOURCE_EXHAUSTED naming the limit.</summary>
    public void Take(string hostKey)
    {
        using var lease = _limiter.AttemptAcquire(hostKey);
        if (!lease.IsAcquired)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.ResourceExhausted,
                $"host: more than {options.PerHostPerMinute} triggers a minute for '{hostKey}' ({TriggerOptions.Section}:PerHostPerMinute); try again later"));
        }
    }

    public void Dispose() => _limiter.Dispose();
}
