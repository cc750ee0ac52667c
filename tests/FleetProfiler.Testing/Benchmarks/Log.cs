namespace FleetProfiler.Testing.Benchmarks;

/// <summary>Progress goes to stderr; results to stdout (the headline figure is always stdout's last line).</summary>
public static class Log
{
    private static readonly Stopwatch Clock;

    // Explicit: the clock starts with the first line of output, not when the type happens to be touched.
    static Log() => Clock = Stopwatch.StartNew();

    public static void Info(string message) => Console.Error.WriteLine($"[{Clock.Elapsed.TotalSeconds,7:F1}s] {message}");

    public static void Result(string line) => Console.Out.WriteLine(line);
}
