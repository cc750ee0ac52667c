using System.Diagnostics;

namespace FleetProfiler.Benchmarks.Infrastructure;

/// <summary>Progress goes to stderr; results to stdout (the headline figure is always stdout's last line).</summary>
public static class Log
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Info(string message) => Console.Error.WriteLine($"[{Clock.Elapsed.TotalSeconds,7:F1}s] {message}");

    public static void Result(string line) => Console.Out.WriteLine(line);
}

public static class Stats
{
    /// <summary>Nearest-rank percentile of <paramref name="sorted"/> (ascending), p in [0, 100].</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
