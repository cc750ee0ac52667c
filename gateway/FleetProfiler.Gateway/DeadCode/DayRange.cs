using FleetProfiler.Abstractions.Coverage;
using FleetProfiler.Gateway.Query;

namespace FleetProfiler.Gateway.DeadCode;

/// <summary>An inclusive range of UTC days, read from request fields ("" = today), at most <see cref="DeadCodeLimits.MaxQueryDays"/> long.</summary>
public sealed record DayRange(DateOnly From, DateOnly To)
{
    public int Length => To.DayNumber - From.DayNumber + 1;

    public IEnumerable<DateOnly> Days => Enumerable.Range(0, Length).Select(From.AddDays);

    public static DayRange Parse(string from, string to, DateOnly today)
    {
        var t = Day(to, "to_day", today);
        var f = from.Length == 0 && to.Length > 0 ? t : Day(from, "from_day", today);
        if (t < f) throw QueryArguments.Invalid($"to_day: {DayKey.Of(t)} is before from_day {DayKey.Of(f)}");
        var range = new DayRange(f, t);
        if (range.Length > DeadCodeLimits.MaxQueryDays) throw QueryArguments.Invalid($"to_day: the range has {range.Length} days, over {DeadCodeLimits.MaxQueryDays}");
        return range;
    }

    public static DateOnly Day(string text, string field, DateOnly today) =>
        text.Length == 0 ? today
        : DayKey.TryParse(text, out var day) ? day
        : throw QueryArguments.Invalid($"{field}: '{(text.Length > 20 ? text[..20] : text)}' is not a day (YYYY-MM-DD, UTC)");
}
