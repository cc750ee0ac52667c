namespace FleetProfiler.Tests.Infrastructure;

/// <summary>
/// Waits for a condition on a system that converges by itself (a cluster noticing a dead silo, a reminder firing).
/// The deadline is a failure bound, not a timing assertion: passing tests return as soon as the condition holds.
/// </summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline, string what)
    {
        var stop = DateTime.UtcNow + deadline;
        Exception? last = null;
        T? value = default;
        while (DateTime.UtcNow < stop)
        {
            try
            {
                value = await probe();
                if (done(value)) return value;
                last = null;
            }
            catch (Exception e) { last = e; }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Not reached within {deadline}: {what}; last value {value}" + (last is null ? "" : $"; last error {last.GetType().Name}: {last.Message}"), last);
    }
}
