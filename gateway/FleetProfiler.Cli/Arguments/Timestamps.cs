namespace FleetProfiler.Cli.Arguments;

/// <summary>Points in time on the command line: ISO 8601 (UTC when no offset is given), or <c>now</c>.</summary>
public static class Timestamps
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK",
        "yyyy-MM-dd",
    ];

    public static DateTimeOffset Parse(string text, string option, DateTimeOffset now)
    {
        var t = text.Trim();
        if (t.Equals("now", StringComparison.OrdinalIgnoreCase)) return now;
        if (DateTimeOffset.TryParseExact(t, Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        throw new UsageException($"{option}: '{text}' is not an ISO 8601 time (e.g. 2026-05-01T10:00:00Z; no offset means UTC)");
    }
}
