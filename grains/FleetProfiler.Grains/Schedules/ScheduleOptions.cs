using System.Security.Cryptography;
using FleetProfiler.Profiles.Schedules;

namespace FleetProfiler.Grains.Schedules;

/// <summary>Profiling-schedule settings of a silo, bound from <c>FleetProfiler:Scheduling</c> (README "Schedules").</summary>
public sealed class ScheduleOptions
{
    public const string Section = "FleetProfiler:Scheduling";

    /// <summary>Shortest period a schedule may have (default 5 min). Tests lower it; it may not be below Reminders:MinimumReminderPeriod.</summary>
    public TimeSpan MinimumPeriod { get; set; } = ScheduleRules.DefaultMinimumPeriod;

    /// <summary>Seed of the host choice; unset, the silo draws one at start. Set it to make the choice reproducible.</summary>
    public long? Seed { get; set; }

    /// <summary>Runs a service's history keeps (all kinds together); the oldest run is dropped first.</summary>
    public int MaxHistory { get; set; } = 50;

    /// <summary>The seed in force: <see cref="Seed"/>, or one drawn once per process.</summary>
    public long EffectiveSeed => Seed ?? DrawnSeed;

    private static readonly long DrawnSeed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8), 0);

    /// <summary>One message per bad setting, naming it; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (MinimumPeriod <= TimeSpan.Zero || MinimumPeriod > ScheduleRules.MaxPeriod)
            yield return $"{Section}:MinimumPeriod must be positive and at most {ScheduleRules.MaxPeriod}";
        if (MaxHistory is < 1 or > 1000) yield return $"{Section}:MaxHistory must be between 1 and 1000";
    }
}
