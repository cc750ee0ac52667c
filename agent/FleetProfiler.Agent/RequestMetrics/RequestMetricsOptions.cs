namespace FleetProfiler.Agent.RequestMetrics;

/// <summary>
/// <c>Agent:RequestMetrics</c>: the always-on request metrics session per ASP.NET Core target (see docs/operations.md).
/// </summary>
public sealed class RequestMetricsOptions
{
    /// <summary>On by default: one stack-less metrics session per ASP.NET Core process, for its whole life.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The runtime's collection interval (its <c>RefreshInterval</c>); must divide 60 so intervals never straddle minutes.</summary>
    public int IntervalSeconds { get; set; } = 10;

    /// <summary>Route templates per service and minute that keep their own rows; the rest fold into <c>[other routes]</c>.</summary>
    public int MaxRoutesPerMinute { get; set; } = 100;

    /// <summary>The runtime's bound on tracked series (its <c>MaxTimeSeries</c>); series beyond it are not counted.</summary>
    public int MaxTimeSeries { get; set; } = 1000;

    /// <summary>The runtime's bound on tracked histograms (its <c>MaxHistograms</c>): one per method × route × status × protocol.</summary>
    public int MaxHistograms { get; set; } = 1000;

    /// <summary>EventPipe buffer of the metrics session in the target, MB (it carries a few events per interval).</summary>
    public int CircularBufferMB { get; set; } = 1;

    /// <summary>Wait before retrying a target whose session failed or was refused (another tool's metrics session).</summary>
    public int RetrySeconds { get; set; } = 300;

    /// <summary>The problems of these settings, one line each, naming the key.</summary>
    public IEnumerable<string> Problems()
    {
        if (IntervalSeconds is < 1 or > 60 || 60 % IntervalSeconds != 0)
        {
            yield return $"Agent:RequestMetrics:IntervalSeconds must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60), was {IntervalSeconds}.";
        }
        if (MaxRoutesPerMinute is < 1 or > BatchLimitDefaults.MaxRoutesPerMinute)
        {
            yield return $"Agent:RequestMetrics:MaxRoutesPerMinute must be 1..{BatchLimitDefaults.MaxRoutesPerMinute}, was {MaxRoutesPerMinute}.";
        }
        if (MaxTimeSeries is < 1 or > 100_000)
        {
            yield return $"Agent:RequestMetrics:MaxTimeSeries must be 1..100000, was {MaxTimeSeries}.";
        }
        if (MaxHistograms is < 1 or > 100_000)
        {
            yield return $"Agent:RequestMetrics:MaxHistograms must be 1..100000, was {MaxHistograms}.";
        }
        if (CircularBufferMB is < 1 or > 64)
        {
            yield return $"Agent:RequestMetrics:CircularBufferMB must be 1..64, was {CircularBufferMB}.";
        }
        if (RetrySeconds is < 1 or > 86_400)
        {
            yield return $"Agent:RequestMetrics:RetrySeconds must be 1..86400, was {RetrySeconds}.";
        }
    }
}
