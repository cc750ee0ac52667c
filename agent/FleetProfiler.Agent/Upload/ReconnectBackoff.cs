namespace FleetProfiler.Agent.Upload;

/// <summary>
/// Delays between reconnect attempts: exponential from <c>min</c> to <c>max</c> with "equal jitter" (half fixed,
/// half random), so a fleet of agents that lost the same gateway does not reconnect in lockstep. Reset after a
/// stream was established. Authentication failures wait <c>authFailure</c> (± 20 %): retrying sooner cannot help.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan min, TimeSpan max, TimeSpan authFailure, Random random)
{
    private int _attempt;

    public int Attempt => _attempt;

    public TimeSpan Next()
    {
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
        _attempt++;
        return TimeSpan.FromMilliseconds(ceiling / 2 + random.NextDouble() * ceiling / 2);
    }

    public TimeSpan NextAfterAuthFailure()
    {
        _attempt++;
        return TimeSpan.FromMilliseconds(authFailure.TotalMilliseconds * (0.8 + random.NextDouble() * 0.4));
    }

    public void Reset() => _attempt = 0;
}
