namespace FleetProfiler.Testing;

/// <summary>
/// Waits for a condition on a system that gets there by itself (a file appears, a cluster notices a dead silo, a
/// reminder fires). The deadline is a failure bound, not a timing assertion: a passing test returns as soon as the
/// condition holds. A probe that throws counts as "not yet"; the last error is reported on timeout.
/// </summary>
public static class Eventually
{
    // A lambda returning a task fits both overloads; it means "await the probe".
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline, string what)
    {
        var stop = Stopwatch.StartNew();
        Exception? last = null;
        T? value = default;
        while (true)
        {
            try
            {
                value = await probe();
                if (done(value))
                {
                    return value;
                }
                last = null;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e;
            }
            if (stop.Elapsed > deadline)
            {
                throw new TimeoutException(
                    $"Not reached within {deadline}: {what}; last value: {value}" + (last is null ? "" : $"; last error {last.GetType().Name}: {last.Message}"), last);
            }
            await Task.Delay(TestTimeouts.PollInterval);
        }
    }

    public static Task<T> Until<T>(Func<T> probe, Func<T, bool> done, TimeSpan deadline, string what) =>
        Until(() => Task.FromResult(probe()), done, deadline, what);

    public static Task Until(Func<bool> condition, TimeSpan deadline, string what) =>
        Until(condition, ok => ok, deadline, what);
}
