namespace FleetProfiler.Agent.Benchmarks.Infrastructure;

public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        if (sorted.Count == 0) return double.NaN;
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>"0.83 (0.80–0.86)": median with min–max.</summary>
    public static string Spread(IReadOnlyCollection<double> values, string format = "F2") =>
        values.Count == 0 ? "n/a" : $"{Median(values).ToString(format)} ({values.Min().ToString(format)}–{values.Max().ToString(format)})";
}
