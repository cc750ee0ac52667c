namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>
/// Waits for a condition on a system that gets there by itself (a file appears, a connection closes). The deadline is
/// a failure bound, not a timing assertion: a passing test returns as soon as the condition holds.
/// </summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<T> probe, Func<T, bool> done, TimeSpan deadline, string what)
    {
        var stop = DateTime.UtcNow + deadline;
        var value = probe();
        while (!done(value))
        {
            if (DateTime.UtcNow > stop)
            {
                throw new TimeoutException($"Not reached within {deadline}: {what}; last value: {value}");
            }
            await Task.Delay(50);
            value = probe();
        }
        return value;
    }

    public static Task Until(Func<bool> condition, TimeSpan deadline, string what) =>
        Until(condition, ok => ok, deadline, what);
}
