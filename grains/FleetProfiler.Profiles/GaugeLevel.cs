namespace FleetProfiler.Profiles;

/// <summary>Where one stored part of an in-use window comes from: a process, and the window (its parts share start and end).</summary>
public readonly record struct GaugeSource(string Host, int ProcessId, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// The level of a gauge (in-use bytes and objects) at one instant over many processes, as rollup buckets keep it
/// (<see cref="ValueAggregation.Gauge"/>). The instant of a window is the UTC minute its start falls in (the minute
/// bucket it belongs to: agents' windows are jittered, so two hosts never end at the same moment). At an instant:
/// <list type="number">
/// <item>the stored parts of one window (a window split into several batches) add up;</item>
/// <item>the windows of one process (host, process id) in the same minute are snapshots of it: per node the peak;</item>
/// <item>processes add up (every process holds its own memory).</item>
/// </list>
/// A bucket is then, per node, the peak of its instants' levels. Adding a window to an instant never lowers its level
/// (values are not negative), so a bucket stays exact when late windows arrive: it peak-merges the instant's new level.
/// </summary>
public static class GaugeLevel
{
    /// <summary>The length of an instant.</summary>
    public static readonly TimeSpan Instant = TimeSpan.FromMinutes(1);

    /// <summary>The instant of a window that started at <paramref name="windowStart"/>: the start of its UTC minute.</summary>
    public static DateTimeOffset InstantOf(DateTimeOffset windowStart) =>
        new(windowStart.UtcTicks - windowStart.UtcTicks % Instant.Ticks, TimeSpan.Zero);

    /// <summary>
    /// The level of one instant from the stored parts of its windows, in any order: gauges only (counters zero, nodes
    /// without in-use values dropped), so that peak-merging it into a bucket leaves the bucket's counters alone.
    /// Parts whose <paramref name="tree"/> is null (undecodable) are skipped. Holds three trees at a time.
    /// </summary>
    public static CallTree At<T>(IEnumerable<T> parts, Func<T, GaugeSource> source, Func<T, CallTree?> tree)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var ordered = parts.Select(p => (Source: source(p), Part: p))
            .OrderBy(p => p.Source.Host, StringComparer.Ordinal).ThenBy(p => p.Source.ProcessId)
            .ThenBy(p => p.Source.Start).ThenBy(p => p.Source.End);
        var level = new CallTree();
        CallTree? process = null, window = null;
        GaugeSource? current = null;
        foreach (var (s, part) in ordered)
        {
            if (tree(part) is not { } t) continue;
            if (current is { } c && c != s)
            {
                process!.MergeFrom(window!, GaugeMerge.Peak);
                window = null;
                if (c.Host != s.Host || c.ProcessId != s.ProcessId)
                {
                    level.MergeFrom(process, GaugeMerge.Sum);
                    process = null;
                }
            }
            process ??= new CallTree();
            window ??= new CallTree();
            window.MergeFrom(t, GaugeMerge.Sum);
            current = s;
        }
        if (window is not null)
        {
            process!.MergeFrom(window, GaugeMerge.Peak);
            level.MergeFrom(process, GaugeMerge.Sum);
        }
        return level.GaugesOnly();
    }
}
