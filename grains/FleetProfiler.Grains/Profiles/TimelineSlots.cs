using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Profiles;

/// <summary>
/// Fixed-width time slots aligned to multiples of the step since the Unix epoch (so a 5-minute timeline has its
/// slots on :00, :05, …), summing the values of whatever starts in each.
/// </summary>
public sealed class TimelineSlots
{
    private readonly DateTimeOffset _from;
    private readonly TimeSpan _step;
    private readonly int[] _windows;
    private readonly long[] _cpu, _wall, _alloc;

    public TimelineSlots(DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        if (step <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(step), "must be positive");
        if (to <= from) throw new ArgumentException("the range's end must be after its start", nameof(to));
        var fromTicks = from.UtcTicks - (from.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % step.Ticks;
        _from = new DateTimeOffset(fromTicks, TimeSpan.Zero);
        var count = (to.UtcTicks - fromTicks + step.Ticks - 1) / step.Ticks;
        if (count > ProfileTimeline.MaxSlots) throw new ArgumentOutOfRangeException(nameof(step), $"the range needs {count} slots of {step}; at most {ProfileTimeline.MaxSlots}");
        _step = step;
        _windows = new int[count];
        _cpu = new long[count];
        _wall = new long[count];
        _alloc = new long[count];
    }

    /// <summary>Adds values starting at <paramref name="start"/>; outside the slots they go to the first or last one.</summary>
    public void Add(DateTimeOffset start, int windows, SampleValues values)
    {
        var i = (int)Math.Clamp((start.UtcTicks - _from.UtcTicks) / _step.Ticks, 0, _windows.Length - 1);
        _windows[i] += windows;
        _cpu[i] += values.CpuSamples;
        _wall[i] += values.WallSamples;
        _alloc[i] += values.AllocBytes;
    }

    public ProfileTimeline ToTimeline(bool truncated, string coarsest) =>
        new(_from, _step, _windows, _cpu, _wall, _alloc, truncated, coarsest);
}
