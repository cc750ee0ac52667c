namespace FleetProfiler.Cli.Output;

/// <summary>How values read in tables: whole numbers with thousands separators, shares as percentages, times in UTC.</summary>
public static class Formatting
{
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"1 window", "3 windows".</summary>
    public static string Quantity(long n, string noun) => $"{Count(n)} {noun}{(n == 1 ? "" : "s")}";

    public static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>"45s ago", "12m ago", "3h ago", "2d ago"; "just now" for the future (clock skew).</summary>
    public static string Ago(DateTimeOffset t, DateTimeOffset now)
    {
        var d = now - t;
        if (d < TimeSpan.FromSeconds(1)) return "just now";
        if (d < TimeSpan.FromMinutes(1)) return $"{(int)d.TotalSeconds}s ago";
        if (d < TimeSpan.FromHours(1)) return $"{(int)d.TotalMinutes}m ago";
        if (d < TimeSpan.FromDays(1)) return $"{(int)d.TotalHours}h ago";
        return $"{(int)d.TotalDays}d ago";
    }

    /// <summary>What the kind's values count, for footers: "cpu samples", "bytes allocated".</summary>
    public static string Unit(string kind) => ProfileTypes.TryParse(kind, out var type) ? type.Quantity : kind;

    /// <summary>A note for stderr when the gateway read a wider range than asked (whole hours, or retention), else null.</summary>
    internal static string? WidenedNote(Protocol.V1.Coverage? coverage) =>
        coverage is { Widened: true }
            ? $"fleetprofiler: note: read at coarser precision: the data covers {Time(coverage.From.ToDateTimeOffset())} – {Time(coverage.To.ToDateTimeOffset())} (long ranges snap to whole hours; older parts come from coarser buckets)"
            : null;
}
