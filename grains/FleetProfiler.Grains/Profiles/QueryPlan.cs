using FleetProfiler.Grains.Storage;

namespace FleetProfiler.Grains.Profiles;

/// <summary>
/// How to answer a range from the coarsest data that covers it: whole days from day buckets, whole hours from
/// hour buckets, whole minutes from minute buckets (service) or raw windows (host), and the ragged edges from
/// raw windows. A part older than its level's retention is answered by the coarser bucket that contains it,
/// which widens the range to that bucket (the plan says so). With a <c>coarsest</c> level (usage reports) no
/// part is read from a coarser bucket than that unless retention leaves nothing finer.
/// </summary>
public sealed record QueryPlan(IReadOnlyList<RangePart> Parts, bool Widened)
{
    public static QueryPlan For(DateTimeOffset from, DateTimeOffset to, bool hostLevel, DateTimeOffset now, ProfileStoreOptions retention, BucketLevel coarsest = BucketLevel.Day)
    {
        if (to <= from) throw new ArgumentException("the range's end must be after its start");
        var pieces = new List<RangePart>();
        var widened = false;
        var t = from.ToUniversalTime();
        to = to.ToUniversalTime();
        if (to - t >= retention.HourPrecisionFrom)
        {
            // Long ranges read whole hours: "the last 24 h" is 25 hour buckets, not hours plus 118 minutes.
            var start = BucketLevel.Hour.Floor(t);
            var end = BucketLevel.Hour.Floor(to) == to ? to : BucketLevel.Hour.Floor(to) + TimeSpan.FromHours(1);
            widened = start != t || end != to;
            t = start;
            to = end;
        }
        while (t < to)
        {
            var level = LargestAlignedLevel(t, to, hostLevel, coarsest);
            var end = level is { } l ? t + l.Length() : Min(NextMinute(t), to);
            var part = new RangePart(level, t, end);
            // Retention: fall back to the coarser bucket that holds this part.
            var available = Coarsen(part, hostLevel, now, retention);
            if (available != part) widened = true;
            pieces.Add(available);
            t = end;
        }
        return new QueryPlan(Coalesce(pieces), widened);
    }

    private static BucketLevel? LargestAlignedLevel(DateTimeOffset t, DateTimeOffset to, bool hostLevel, BucketLevel coarsest)
    {
        foreach (var level in new[] { BucketLevel.Day, BucketLevel.Hour, BucketLevel.Minute })
        {
            if (level > coarsest) continue;
            if (hostLevel && level != BucketLevel.Hour) continue; // a host has hour buckets; its minutes are raw windows
            if (level.Floor(t) == t && t + level.Length() <= to) return level;
        }
        return null;
    }

    private static RangePart Coarsen(RangePart part, bool hostLevel, DateTimeOffset now, ProfileStoreOptions r)
    {
        var p = part;
        if (p.Level is null && p.From < now - r.WindowRetention)
            p = Expand(hostLevel ? BucketLevel.Hour : BucketLevel.Minute, p.From);
        if (p.Level == BucketLevel.Minute && p.From < now - r.MinuteRetention) p = Expand(BucketLevel.Hour, p.From);
        if (p.Level == BucketLevel.Hour && p.From < now - r.HourRetention && !hostLevel) p = Expand(BucketLevel.Day, p.From);
        return p;
    }

    private static RangePart Expand(BucketLevel level, DateTimeOffset t)
    {
        var start = level.Floor(t);
        return new RangePart(level, start, start + level.Length());
    }

    /// <summary>Merges adjacent parts of one level and drops parts already inside a coarser expanded one.</summary>
    private static List<RangePart> Coalesce(List<RangePart> parts)
    {
        var result = new List<RangePart>();
        foreach (var p in parts)
        {
            if (result.Any(r => r.Level is not null && r.Level >= (p.Level ?? 0) && r.From <= p.From && p.To <= r.To && r.Level != p.Level)) continue;
            if (result.Count > 0 && result[^1].Level == p.Level && result[^1].To >= p.From)
            {
                result[^1] = result[^1] with { To = Max(result[^1].To, p.To) };
                continue;
            }
            result.Add(p);
        }
        return result;
    }

    private static DateTimeOffset NextMinute(DateTimeOffset t) => BucketLevel.Minute.Floor(t) + TimeSpan.FromMinutes(1);
    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
