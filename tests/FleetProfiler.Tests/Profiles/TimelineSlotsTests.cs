using FleetProfiler.Grains.Profiles;
using FleetProfiler.Profiles;

namespace FleetProfiler.Tests.Profiles;

public sealed class TimelineSlotsTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 1, 12, 3, 0, TimeSpan.Zero);

    [Fact]
    public void Slots_align_to_the_step_and_sum_what_starts_in_them()
    {
        var slots = new TimelineSlots(T, T.AddMinutes(20), TimeSpan.FromMinutes(5));
        slots.Add(T.AddSeconds(10), 1, SampleValues.Cpu(3));
        slots.Add(T.AddMinutes(1), 1, SampleValues.Cpu(4));
        slots.Add(T.AddMinutes(3), 2, new SampleValues(0, 7, 100, 1));

        var timeline = slots.ToTimeline(truncated: false, "raw");

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero), timeline.From);
        Assert.Equal(5, timeline.CpuSamples.Length);   // 12:00 … 12:20, the last one holding 12:20-12:23
        Assert.Equal([7L, 0, 0, 0, 0], timeline.CpuSamples);
        Assert.Equal([0L, 7, 0, 0, 0], timeline.WallSamples);
        Assert.Equal([0L, 100, 0, 0, 0], timeline.AllocBytes);
        Assert.Equal([2, 2, 0, 0, 0], timeline.Windows);
    }

    [Fact]
    public void A_start_outside_the_slots_goes_to_the_nearest_end()
    {
        var slots = new TimelineSlots(T, T.AddMinutes(10), TimeSpan.FromMinutes(5));
        slots.Add(T.AddHours(-1), 1, SampleValues.Cpu(1));
        slots.Add(T.AddHours(1), 1, SampleValues.Cpu(2));
        Assert.Equal([1L, 0, 2], slots.ToTimeline(false, "raw").CpuSamples);
    }

    [Fact]
    public void Too_many_slots_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimelineSlots(T, T.AddDays(30), TimeSpan.FromMinutes(1)));
    }
}
