namespace FleetProfiler.Agent.LiveHeap;

/// <summary>An allocation site as a continuous run keeps it between windows: resolved frames (root first) and the type.</summary>
public sealed record LiveSite(Frame[] Frames, string? Type)
{
    public bool Equals(LiveSite? other) => other is not null && Type == other.Type && Frames.AsSpan().SequenceEqual(other.Frames);

    public override int GetHashCode() => Frames.Aggregate(Type?.GetHashCode() ?? 0, HashCode.Combine);
}

/// <summary>
/// The tracked objects of one process across the back-to-back windows of a continuous inuse run (a run started by a
/// signal and stopped by one): each window's in-use then counts every sampled object alive since the run started,
/// so two windows' difference is what was retained in between (the growth view). Between windows the agent holds no
/// session for a moment (symbolizing the last window); GCs in that gap are missed, so young objects are dropped
/// (<see cref="LiveObjects.ForgetYoung"/>) and gen 2 objects are kept. Bounded like one window
/// (<see cref="AgentOptions.InuseMaxTrackedObjects"/>); the site table holds only sites with live objects.
/// </summary>
public sealed class LiveHeapCarry(int maxTracked, DateTime startedUtc)
{
    private List<LiveSite> _sites = [];

    public LiveObjects Objects { get; } = new(maxTracked);

    public DateTime StartedUtc { get; } = startedUtc;

    /// <summary>Sites numbered 0..Count-1 in <see cref="Objects"/> at the start of a window; a window numbers its own after them.</summary>
    public IReadOnlyList<LiveSite> Sites => _sites;

    /// <summary>
    /// After a window: renumbers every live object's site into a fresh table of the sites still alive.
    /// <paramref name="resolve"/> names a site number of the window (at or above the old table's count).
    /// </summary>
    public void Keep(Func<int, LiveSite> resolve)
    {
        var oldSites = _sites;
        var table = new Dictionary<LiveSite, int>();
        var fresh = new List<LiveSite>();
        Objects.RemapSites(site =>
        {
            var key = site < oldSites.Count ? oldSites[site] : resolve(site);
            if (!table.TryGetValue(key, out var id))
            {
                table[key] = id = fresh.Count;
                fresh.Add(key);
            }
            return id;
        });
        _sites = fresh;
    }
}
