namespace FleetProfiler.Profiles.Cost;

/// <summary>A calendar month in UTC, written <c>YYYY-MM</c>: the unit a service's resource cost is entered in.</summary>
public readonly record struct CostMonth(int Year, int Month) : IComparable<CostMonth>
{
    /// <summary>The month a UTC instant falls in.</summary>
    public static CostMonth Of(DateTimeOffset t)
    {
        var u = t.UtcDateTime;
        return new CostMonth(u.Year, u.Month);
    }

    /// <summary>Parses <c>YYYY-MM</c> (years 2000–2999); the message names the value on failure.</summary>
    public static CostMonth Parse(string text)
    {
        if (text is { Length: 7 } && text[4] == '-'
            && int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var y)
            && int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            && y is >= 2000 and <= 2999 && m is >= 1 and <= 12)
        {
            return new CostMonth(y, m);
        }

        throw new ProfileDataException($"month: '{text}' is not a month written YYYY-MM (e.g. 2026-11)");
    }

    /// <summary>First instant of the month (UTC).</summary>
    public DateTimeOffset Start => new(Year, Month, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>First instant of the next month (UTC).</summary>
    public DateTimeOffset End => Start.AddMonths(1);

    /// <summary>Minutes in the month: the denominator of its cost per minute.</summary>
    public int Minutes => DateTime.DaysInMonth(Year, Month) * 24 * 60;

    /// <inheritdoc />
    public int CompareTo(CostMonth other) => (Year, Month).CompareTo((other.Year, other.Month));

    /// <summary><c>YYYY-MM</c>.</summary>
    public override string ToString() => $"{Year:D4}-{Month:D2}";
}
