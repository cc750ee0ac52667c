using System.Diagnostics;

namespace FleetProfiler.Agent.Benchmarks.Infrastructure;

/// <summary>Progress goes to stderr; results to stdout (the headline figure is always stdout's last line).</summary>
public static class Log
{
    private static readonly Stopwatch Clock;

    // Explicit: the clock starts with the first line of output, not with the first progress line.
    static Log() => Clock = Stopwatch.StartNew();

    public static void Info(string message) => Console.Error.WriteLine($"[{Clock.Elapsed.TotalSeconds,6:F1}s] {message}");

    public static void Result(string line) => Console.Out.WriteLine(line);
}
