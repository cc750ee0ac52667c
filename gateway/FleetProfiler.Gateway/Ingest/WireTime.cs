using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// Checks a wire timestamp before anything converts it: <see cref="Timestamp.ToDateTimeOffset"/> throws on one that is
/// not normalised (nanos outside [0, 10⁹) or seconds outside years 1–9999), which would otherwise end the stream.
/// </summary>
public static class WireTime
{
    private const long MinSeconds = -62_135_596_800;   // 0001-01-01T00:00:00Z
    private const long MaxSeconds = 253_402_300_799;   // 9999-12-31T23:59:59Z

    /// <summary>Why <paramref name="t"/> is not a normalised timestamp, or null when it is.</summary>
    public static string? Problem(Timestamp t)
    {
        if (t.Nanos is < 0 or > 999_999_999) return $"is not normalised (nanos {t.Nanos} outside [0, 999999999])";
        if (t.Seconds is < MinSeconds or > MaxSeconds) return $"is not normalised (seconds {t.Seconds} outside years 1-9999)";
        return null;
    }
}
