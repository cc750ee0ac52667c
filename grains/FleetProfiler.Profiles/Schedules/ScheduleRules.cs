using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FleetProfiler.Profiles.Schedules;

/// <summary>
/// What a profiling schedule may ask for (README "Schedules"), and the random order in which a run considers a
/// service's hosts. Plain rules: the schedule grain, the gateway and the CLI share them.
/// </summary>
public static class ScheduleRules
{
    /// <summary>
    /// The kinds a schedule can run: the profile kinds (inuse windows too, at most <see cref="MaxWindowSeconds"/> like
    /// every window a schedule starts), plus coverage windows (issue 9) and heap snapshots (issue 13; window seconds do not apply).
    /// </summary>
    public static readonly IReadOnlyList<string> Kinds = ["cpu", "wall", "alloc", "inuse", "coverage", "heap"];

    /// <summary>Hosts (K) one run may choose: beyond a hundred a run stops being a sample of the fleet.</summary>
    public const int MaxHosts = 100;

    /// <summary>
    /// Window length bounds, the agent's own for gateway commands (RemoteCommands.MaxSeconds), for every kind: an inuse
    /// window longer than 10 minutes (up to the agent's Agent:InuseWindowSeconds 3600) needs the agent-side schedule.
    /// </summary>
    public const int MaxWindowSeconds = 600;

    /// <summary>The default shortest period (288 runs a day); a silo may lower it (tests) with Scheduling:MinimumPeriod.</summary>
    public static readonly TimeSpan DefaultMinimumPeriod = TimeSpan.FromMinutes(5);

    /// <summary>The longest period: a schedule runs at least once a week.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(7);

    /// <summary>Whether a schedule can run <paramref name="kind"/>.</summary>
    public static bool IsKind(string? kind) => kind is not null && Kinds.Contains(kind, StringComparer.Ordinal);

    /// <summary>The period of N runs a day (N ≥ 1).</summary>
    public static TimeSpan PeriodOfTimesPerDay(int timesPerDay) => TimeSpan.FromTicks(TimeSpan.TicksPerDay / timesPerDay);

    /// <summary>Every problem of a schedule, each naming its field; empty when it is valid.</summary>
    public static IEnumerable<string> Problems(string kind, TimeSpan period, int hosts, int windowSeconds, TimeSpan minimumPeriod)
    {
        if (string.IsNullOrEmpty(kind)) yield return $"kind: required ({string.Join(", ", Kinds)})";
        else if (!IsKind(kind)) yield return $"kind: unknown kind '{kind}' ({string.Join(", ", Kinds)})";
        if (hosts is < 1 or > MaxHosts) yield return $"hosts: {hosts} is not between 1 and {MaxHosts}";
        if (windowSeconds is < 1 or > MaxWindowSeconds) yield return $"window_seconds: {windowSeconds} is not between 1 and {MaxWindowSeconds}";
        if (period < minimumPeriod || period > MaxPeriod)
        {
            yield return $"period: {Describe(period)} is not between {Describe(minimumPeriod)} and {Describe(MaxPeriod)} " +
                         $"(1 to {TimesPerDayAt(minimumPeriod)} runs a day)";
        }
        // A window longer than the period would overlap the next run's on the same host.
        else if (TimeSpan.FromSeconds(windowSeconds) > period)
        {
            yield return $"window_seconds: {windowSeconds} s is longer than the period ({Describe(period)})";
        }
    }

    /// <summary>How many whole runs a day a period makes.</summary>
    public static long TimesPerDayAt(TimeSpan period) => period <= TimeSpan.Zero ? 0 : TimeSpan.TicksPerDay / period.Ticks;

    /// <summary>
    /// The order in which run <paramref name="run"/> of a service's schedule of <paramref name="kind"/> considers
    /// the hosts: a uniform random permutation (Fisher–Yates) seeded by (seed, service, kind, run), so taking the
    /// first K connected hosts is a uniform random choice among the connected ones, and the same inputs always give
    /// the same order (tests pin the seed; a silo draws one at start unless configured).
    /// </summary>
    public static IReadOnlyList<string> HostOrder(IEnumerable<string> hosts, long seed, string service, string kind, long run)
    {
        var order = hosts.Order(StringComparer.Ordinal).ToArray();
        var random = new Random(RunSeed(seed, service, kind, run));
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static int RunSeed(long seed, string service, string kind, long run)
    {
        // A stable hash (string.GetHashCode differs per process): the same run picks the same hosts after a restart.
        var text = string.Join('\n', seed.ToString(CultureInfo.InvariantCulture), service, kind, run.ToString(CultureInfo.InvariantCulture));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return BitConverter.ToInt32(hash, 0);
    }

    private static string Describe(TimeSpan t) =>
        t.TotalDays >= 1 && t.Ticks % TimeSpan.TicksPerDay == 0 ? $"{t.TotalDays:0} d"
        : t.TotalHours >= 1 && t.Ticks % TimeSpan.TicksPerHour == 0 ? $"{t.TotalHours:0} h"
        : t.TotalMinutes >= 1 && t.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{t.TotalMinutes:0} min"
        : $"{t.TotalSeconds:0.###} s";
}
