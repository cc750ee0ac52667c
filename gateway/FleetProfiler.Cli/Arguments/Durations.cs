using System.Text.RegularExpressions;

namespace FleetProfiler.Cli.Arguments;

/// <summary>Durations as people type them: a whole number and one unit, <c>30s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>, <c>1w</c>.</summary>
public static partial class Durations
{
    public const string Units = "s, m, h, d or w";

    // Far beyond any retention, and small enough that now minus it stays a valid DateTimeOffset.
    private static readonly TimeSpan Max = TimeSpan.FromDays(100 * 366);

    [GeneratedRegex(@"^(?<n>[0-9]{1,9})(?<unit>[smhdw])$")]
    private static partial Regex Pattern();

    public static TimeSpan Parse(string text, string option)
    {
        var m = Pattern().Match(text.Trim());
        if (!m.Success)
            throw new UsageException($"{option}: '{text}' is not a duration (a whole number and a unit: {Units}, e.g. 30s, 15m, 1h, 2d, 1w)");
        var n = long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        if (n == 0) throw new UsageException($"{option}: the duration must be positive");
        var seconds = m.Groups["unit"].Value switch
        {
            "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86_400,
            _ => n * 604_800,
        };
        if (seconds > Max.TotalSeconds) throw new UsageException($"{option}: '{text}' is longer than 100 years");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The shortest exact spelling: 90 s → "90s", 2 h → "2h", 7 d → "1w".</summary>
    public static string Format(TimeSpan duration)
    {
        var s = (long)duration.TotalSeconds;
        if (s > 0 && s % 604_800 == 0) return $"{s / 604_800}w";
        if (s > 0 && s % 86_400 == 0) return $"{s / 86_400}d";
        if (s > 0 && s % 3600 == 0) return $"{s / 3600}h";
        if (s > 0 && s % 60 == 0) return $"{s / 60}m";
        return $"{s}s";
    }
}
