using FleetProfiler.Grains.Profiles;
using FleetProfiler.Grains.Storage;

namespace FleetProfiler.Tests.Profiles;

public sealed class QueryPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    // Exact edges: the hour snapping of long ranges is tested on its own.
    private static readonly ProfileStoreOptions Options = new() { HourPrecisionFrom = TimeSpan.FromDays(3650) };

    private static DateTimeOffset T(string s) => DateTimeOffset.Parse(s + "Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_day_and_a_half_reads_day_hour_minute_buckets_and_raw_edges()
    {
        var plan = QueryPlan.For(T("2026-11-23T22:59:30"), T("2026-11-25T01:01:15"), hostLevel: false, Now, Options);
        Assert.Equal(
        [
            new RangePart(null, T("2026-11-23T22:59:30"), T("2026-11-23T23:00:00")),
            new RangePart(BucketLevel.Hour, T("2026-11-23T23:00:00"), T("2026-11-24T00:00:00")),
            new RangePart(BucketLevel.Day, T("2026-11-24T00:00:00"), T("2026-11-25T00:00:00")),
            new RangePart(BucketLevel.Hour, T("2026-11-25T00:00:00"), T("2026-11-25T01:00:00")),
            new RangePart(BucketLevel.Minute, T("2026-11-25T01:00:00"), T("2026-11-25T01:01:00")),
            new RangePart(null, T("2026-11-25T01:01:00"), T("2026-11-25T01:01:15")),
        ], plan.Parts);
        Assert.False(plan.Widened);
    }

    [Fact]
    public void A_coarsest_level_keeps_whole_hours_and_days_in_finer_buckets_while_they_are_retained()
    {
        // Usage reports: two hours within retention read as 120 minute buckets (one part), not two hour buckets.
        var minutes = QueryPlan.For(T("2026-11-25T09:00:00"), T("2026-11-25T11:00:00"), hostLevel: false, Now, Options, BucketLevel.Minute);
        Assert.Equal([new RangePart(BucketLevel.Minute, T("2026-11-25T09:00:00"), T("2026-11-25T11:00:00"))], minutes.Parts);
        // Hours past their retention (30 d) still fall back to the day bucket that holds them.
        var from = Now.AddDays(-40);
        var old = QueryPlan.For(BucketLevel.Day.Floor(from), BucketLevel.Day.Floor(from).AddDays(1), hostLevel: false, Now, Options, BucketLevel.Hour);
        Assert.Equal([new RangePart(BucketLevel.Day, BucketLevel.Day.Floor(from), BucketLevel.Day.Floor(from).AddDays(1))], old.Parts);
    }

    [Fact]
    public void A_host_has_no_minute_buckets_so_its_whole_minutes_are_raw_windows()
    {
        var plan = QueryPlan.For(T("2026-11-25T10:58:00"), T("2026-11-25T11:02:00"), hostLevel: true, Now, Options);
        Assert.Equal([new RangePart(null, T("2026-11-25T10:58:00"), T("2026-11-25T11:02:00"))], plan.Parts);
    }

    [Fact]
    public void Parts_past_their_retention_widen_to_the_coarser_bucket_and_say_so()
    {
        // 40 days ago: minutes (48 h) and hours (30 d) are gone, only the day bucket is left.
        var from = Now.AddDays(-40).AddMinutes(30);
        var plan = QueryPlan.For(from, from.AddMinutes(5), hostLevel: false, Now, Options);
        var day = BucketLevel.Day.Floor(from);
        Assert.Equal([new RangePart(BucketLevel.Day, day, day.AddDays(1))], plan.Parts);
        Assert.True(plan.Widened);
    }

    [Fact]
    public void Long_ranges_snap_out_to_whole_hours_and_say_so()
    {
        var plan = QueryPlan.For(T("2026-11-24T11:17:00"), T("2026-11-25T11:17:00"), hostLevel: false, Now, new ProfileStoreOptions());
        Assert.True(plan.Widened);
        Assert.Equal(T("2026-11-24T11:00:00"), plan.Parts[0].From);
        Assert.Equal(T("2026-11-25T12:00:00"), plan.Parts[^1].To);
        Assert.All(plan.Parts, p => Assert.True(p.Level is BucketLevel.Hour or BucketLevel.Day));
        Assert.True(plan.Parts.Count <= 3, $"{plan.Parts.Count} parts"); // hours, a day, hours: coalesced

        var shortPlan = QueryPlan.For(T("2026-11-25T10:17:00"), T("2026-11-25T11:17:00"), hostLevel: false, Now, new ProfileStoreOptions());
        Assert.False(shortPlan.Widened);
    }

    [Fact]
    public void Parts_cover_the_range_without_gaps_or_overlaps()
    {
        var rng = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var from = Now.AddSeconds(-rng.Next(0, 40 * 3600));
            var to = from.AddSeconds(rng.Next(1, 30 * 3600));
            var plan = QueryPlan.For(from, to, hostLevel: rng.Next(2) == 0, Now, Options);
            Assert.Equal(from, plan.Parts[0].From);
            Assert.Equal(to, plan.Parts[^1].To);
            for (var p = 1; p < plan.Parts.Count; p++) Assert.Equal(plan.Parts[p - 1].To, plan.Parts[p].From);
            Assert.All(plan.Parts, p => Assert.True(p.Level is null || (p.Level.Value.Floor(p.From) == p.From && (p.To - p.From).Ticks % p.Level.Value.Length().Ticks == 0)));
        }
    }
}
