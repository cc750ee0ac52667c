using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Profiles;

/// <summary>
/// The latest in-use snapshot of a range (<see cref="ValueAggregation.Gauge"/>): per (host, process id) the newest
/// window in the range whose kinds include <c>inuse</c> — all stored parts of it (a window split into several batches)
/// added up — then summed over processes. Older windows of the same process are snapshots of the past, not more memory.
/// </summary>
public static class InuseSnapshot
{
    /// <summary>What every in-use reply says about the method.</summary>
    public const string Invisible = "objects allocated before a window are not seen (docs/live-memory.md)";

    public static bool HasInuse(StoredWindow w) => w.Kinds.Split(',').Contains(ProfileTypes.Of(ProfileKind.Inuse).Name, StringComparer.Ordinal);

    /// <summary>The snapshot and the windows it came from (for the note), or null when the range has no in-use window.</summary>
    public static (CallTree Tree, IReadOnlyList<StoredWindow> Windows)? Latest(IEnumerable<StoredWindow> windows)
    {
        var newest = windows.Where(HasInuse)
            .GroupBy(w => (w.Host, w.ProcessId))
            .SelectMany(process =>
            {
                var last = process.Max(w => (w.End, w.Start));
                return process.Where(w => (w.End, w.Start) == last);
            })
            .ToList();
        if (newest.Count == 0) return null;
        var tree = new CallTree();
        foreach (var w in newest) tree.MergeFrom(w.DecodeTree(), GaugeMerge.Sum);
        return (tree, newest);
    }

    /// <summary>
    /// An in-use query: the latest snapshot of the range from its raw windows, or, when none is left (expired), the
    /// rolled-up buckets' peaks read as any range is, with <see cref="PeaksNote"/>.
    /// </summary>
    public static async Task<MergedProfile> ReadAsync(IProfileStore store, ProfileReader reader, string service, string? host, TimeRange range, int maxWindows, CancellationToken ct = default)
    {
        var windows = await store.ReadWindowsAsync(service, host, range.From, range.To, maxWindows, ct);
        if (Latest(windows) is { } latest)
        {
            return new MergedProfile(CallTreeCodec.Serialize(latest.Tree), latest.Windows.Count, windows.Count >= maxWindows, 0,
                false, range, 0, windows.Count, Note(latest.Windows, windows.Count >= maxWindows));
        }
        var peaks = await reader.ReadAsync(service, host, range.From, range.To, maxWindows, ct);
        return peaks.ToMerged() with { Note = PeaksNote };
    }

    public static string Note(IReadOnlyList<StoredWindow> used, bool truncated)
    {
        var processes = used.Select(w => (w.Host, w.ProcessId)).Distinct().Count();
        var from = used.Min(w => w.End);
        var to = used.Max(w => w.End);
        var when = from == to ? $"at {to:u}" : $"between {from:u} and {to:u}";
        return $"in use: the latest inuse window of each of {processes} process(es), ending {when}; {Invisible}" +
            (truncated ? "; the range holds more windows than one query reads, so a later snapshot may be missing: narrow the range" : "");
    }

    public const string PeaksNote = "in use: no raw inuse window left in the range (expired), so the rolled-up buckets' peaks per site (the highest level of any minute of the range, summed over processes), not the latest; " + Invisible;
}
