namespace FleetProfiler.Profiles.Cost;

/// <summary>
/// What running a service cost in one month: money and instance-hours, as entered by its owners. Spread evenly
/// over the month's minutes, it is what endpoints are charged per minute.
/// </summary>
public sealed record MonthlyCost
{
    /// <summary>Upper bound on either figure: a typo that adds digits is refused rather than charged.</summary>
    public const decimal MaxValue = 1_000_000_000m;

    private MonthlyCost(CostMonth month, decimal usd, decimal instanceHours)
    {
        Month = month;
        Usd = usd;
        InstanceHours = instanceHours;
    }

    /// <summary>The month.</summary>
    public CostMonth Month { get; }

    /// <summary>Cost in US dollars.</summary>
    public decimal Usd { get; }

    /// <summary>Instance-hours the service ran (all its hosts).</summary>
    public decimal InstanceHours { get; }

    /// <summary>Validates and creates; the message names the bad field.</summary>
    public static MonthlyCost Create(CostMonth month, double usd, double instanceHours)
    {
        if (!double.IsFinite(usd) || usd < 0 || usd > (double)MaxValue)
            throw new ProfileDataException($"usd: {usd.ToString(CultureInfo.InvariantCulture)} is not an amount between 0 and {MaxValue:0}");
        if (!double.IsFinite(instanceHours) || instanceHours < 0 || instanceHours > (double)MaxValue)
            throw new ProfileDataException($"instance_hours: {instanceHours.ToString(CultureInfo.InvariantCulture)} is not a number between 0 and {MaxValue:0}");
        // Cents and hundredths of an hour are what people enter; binary noise beyond them is dropped.
        return new MonthlyCost(month, Math.Round((decimal)usd, 2), Math.Round((decimal)instanceHours, 2));
    }

    /// <summary>USD charged per minute of the month.</summary>
    public decimal UsdPerMinute => Usd / Month.Minutes;

    /// <summary>Instance-hours per minute of the month.</summary>
    public decimal InstanceHoursPerMinute => InstanceHours / Month.Minutes;

    /// <summary>USD per instance-hour, or null when no instance-hours were entered.</summary>
    public decimal? UsdPerInstanceHour => InstanceHours == 0 ? null : Usd / InstanceHours;
}
