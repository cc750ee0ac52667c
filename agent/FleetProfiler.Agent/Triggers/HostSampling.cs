using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FleetProfiler.Agent.Triggers;

/// <summary>
/// Which hosts profile when, decided on each host alone and identically on every run (no coordination, no state):
/// a hash of (host, service, period) maps to a number uniform in [0, 1); the host profiles that service in that period
/// when the number is below the fraction. Across a service's N hosts, ~fraction × N profile each period (binomial
/// spread), and a different subset each period. The window's start inside the period is jittered the same way per
/// (host, schedule, period), so hosts do not line up.
/// </summary>
public static class HostSampling
{
    /// <summary>A deterministic number in [0, 1) for the given parts (SHA-256: stable across processes, machines and .NET versions).</summary>
    public static double Uniform(params string[] parts)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts)), hash);
        // 53 random bits: exactly representable as a double in [0, 1).
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Does <paramref name="host"/> profile <paramref name="service"/> in <paramref name="period"/>?</summary>
    public static bool IsSelected(string host, string service, long period, double fraction) =>
        fraction >= 1 || Uniform("select", host, service, period.ToString(System.Globalization.CultureInfo.InvariantCulture)) < fraction;

    /// <summary>Index of the period containing <paramref name="time"/>: periods are aligned to the Unix epoch.</summary>
    public static long PeriodOf(DateTimeOffset time, TimeSpan every) =>
        (long)Math.Floor(time.ToUnixTimeMilliseconds() / every.TotalMilliseconds);

    public static DateTimeOffset PeriodStart(long period, TimeSpan every) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)(period * every.TotalMilliseconds));

    /// <summary>When this host's window of <paramref name="schedule"/> starts in <paramref name="period"/>: uniform over [start, end − window).</summary>
    public static DateTimeOffset WindowStart(string host, string schedule, long period, TimeSpan every, TimeSpan window)
    {
        var slack = every - window;
        var offset = Uniform("offset", host, schedule, period.ToString(System.Globalization.CultureInfo.InvariantCulture)) * Math.Max(0, slack.TotalMilliseconds);
        return PeriodStart(period, every) + TimeSpan.FromMilliseconds(Math.Floor(offset));
    }

    /// <summary>The first window start at or after <paramref name="now"/> (this period's when still ahead, else the next one's).</summary>
    public static (long Period, DateTimeOffset Start) NextWindow(string host, string schedule, DateTimeOffset now, TimeSpan every, TimeSpan window)
    {
        var period = PeriodOf(now, every);
        var start = WindowStart(host, schedule, period, every, window);
        if (start < now)
        {
            period++;
            start = WindowStart(host, schedule, period, every, window);
        }
        return (period, start);
    }
}
