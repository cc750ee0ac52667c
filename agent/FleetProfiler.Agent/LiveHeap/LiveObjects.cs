namespace FleetProfiler.Agent.LiveHeap;

/// <summary>
/// The sampled objects of one window followed through the GCs of that window, out of process, from events only
/// (the idea behind PerfView's "GC Heap Net Mem" view; method and measurements in docs/live-memory.md): an
/// object starts in gen 0 (large and pinned objects in gen 2, where only full GCs condemn them); a GC of depth d
/// keeps an object of generation ≤ d only if its address lies in a surviving or a moved range of that GC
/// (relocating it), promotes the survivors one generation (at most 2) and frees the rest. A GC that reported no
/// range at all had no survivors in the condemned generations.
/// </summary>
/// <remarks>
/// Bounded: at most <c>maxTracked</c> objects are followed. Policy when full: objects already tracked keep being
/// followed (they are the old ones, the candidates for retention); newer samples are counted in
/// <see cref="LiveHeapSummary.UntrackedSamples"/> and <see cref="LiveHeapSummary.UntrackedBytes"/>, not tracked, and
/// the window says so. Objects allocated before the window are never seen.
/// </remarks>
public sealed class LiveObjects(int maxTracked)
{
    private const int OldestGeneration = 2;

    private Dictionary<ulong, TrackedObject> _objects = [];
    private readonly List<(ulong Start, ulong End, long Delta)> _ranges = [];
    private int? _condemned;
    private long? _lastGcNumber;
    private long _gcs, _gcsWithoutRanges, _untrackedSamples, _freed, _sampled, _forgotten;
    private double _untrackedBytes, _sampledBytes;

    public int MaxTracked { get; } = maxTracked > 0 ? maxTracked : throw new ArgumentOutOfRangeException(nameof(maxTracked), "must be positive");

    /// <summary>Objects followed right now.</summary>
    public int Tracked => _objects.Count;

    /// <summary>A sampled allocation: <paramref name="site"/> is the caller's id of its stack and type.</summary>
    /// <param name="longLived">Allocated on the large or pinned object heap: collected only by full (gen 2) GCs, never moved by ephemeral ones.</param>
    public void Allocated(ulong address, int site, double bytes, double count, bool longLived)
    {
        _sampled++;
        _sampledBytes += bytes;
        if (_objects.Count >= MaxTracked && !_objects.ContainsKey(address))
        {
            _untrackedSamples++;
            _untrackedBytes += bytes;
            return;
        }
        // A reused address means the previous object there is dead (the GC freed it and we missed the range).
        _objects[address] = new TrackedObject(site, bytes, count, longLived ? OldestGeneration : 0);
    }

    /// <summary>A GC started; <paramref name="depth"/> is the oldest generation it condemns (2 = full).</summary>
    /// <param name="number">The runtime's GC number: a jump from the last one seen means GCs were missed (between
    /// two windows of a continuous run), after which young objects may have moved or died unseen and are forgotten.</param>
    public void GCStarted(int depth, long? number = null)
    {
        if (number is { } n)
        {
            if (_lastGcNumber is { } last && n > last + 1) ForgetYoung();
            _lastGcNumber = n;
        }
        _condemned = Math.Clamp(depth, 0, OldestGeneration);
        _ranges.Clear();
    }

    /// <summary>Objects in [start, start + length) survived in place (a sweeping, non-compacting GC).</summary>
    public void Survived(ulong start, ulong length)
    {
        if (_condemned is not null && length > 0) _ranges.Add((start, start + length, 0));
    }

    /// <summary>Objects in [oldStart, oldStart + length) survived and now start at <paramref name="newStart"/> (compaction).</summary>
    public void Moved(ulong oldStart, ulong newStart, ulong length)
    {
        if (_condemned is not null && length > 0) _ranges.Add((oldStart, oldStart + length, unchecked((long)(newStart - oldStart))));
    }

    /// <summary>The GC ended: survivors move and are promoted, the rest of the condemned generations is freed.</summary>
    public void GCEnded()
    {
        // A GC that started before the window: its ranges are incomplete, so it cannot free anything safely.
        if (_condemned is not { } depth) return;
        _condemned = null;
        _gcs++;
        if (_ranges.Count == 0) _gcsWithoutRanges++;
        _ranges.Sort((a, b) => a.Start.CompareTo(b.Start));

        var after = new Dictionary<ulong, TrackedObject>(_objects.Count);
        foreach (var (address, o) in _objects)
        {
            if (o.Generation > depth)
            {
                after[address] = o;
                continue;
            }
            if (Find(address) is { } delta)
            {
                after[unchecked((ulong)((long)address + delta))] = o with { Generation = Math.Min(o.Generation + 1, OldestGeneration) };
            }
            else
            {
                _freed++;
            }
        }
        _objects = after;
        _ranges.Clear();
    }

    /// <summary>
    /// Drops tracked objects of generations 0 and 1: after GCs we did not see they may have moved or died. Gen 2
    /// objects move only in compacting full GCs; one seen later frees those that died meanwhile.
    /// </summary>
    public void ForgetYoung()
    {
        var kept = new Dictionary<ulong, TrackedObject>(_objects.Count);
        foreach (var (address, o) in _objects)
        {
            if (o.Generation >= OldestGeneration) kept[address] = o;
            else _forgotten++;
        }
        _objects = kept;
    }

    /// <summary>Renumbers sites (a continuous run keeps its objects with sites of its own numbering between windows).</summary>
    public void RemapSites(Func<int, int> map)
    {
        foreach (var address in _objects.Keys.ToList())
        {
            var o = _objects[address];
            _objects[address] = o with { Site = map(o.Site) };
        }
    }

    /// <summary>Starts a new window's statistics; tracked objects stay.</summary>
    public void ResetStatistics()
    {
        _gcs = _gcsWithoutRanges = _untrackedSamples = _freed = _sampled = _forgotten = 0;
        _untrackedBytes = _sampledBytes = 0;
        _condemned = null;
        _ranges.Clear();
    }

    /// <summary>Live bytes and objects per site (weighted like allocation samples).</summary>
    public Dictionary<int, (double Bytes, double Count)> LiveBySite()
    {
        var sites = new Dictionary<int, (double Bytes, double Count)>();
        foreach (var o in _objects.Values)
        {
            var (bytes, count) = sites.GetValueOrDefault(o.Site);
            sites[o.Site] = (bytes + o.Bytes, count + o.Count);
        }
        return sites;
    }

    public LiveHeapSummary Summary()
    {
        double liveBytes = 0;
        foreach (var o in _objects.Values) liveBytes += o.Bytes;
        return new LiveHeapSummary(_sampled, _sampledBytes, _objects.Count, liveBytes, _freed, _gcs, _gcsWithoutRanges, _untrackedSamples, _untrackedBytes, MaxTracked)
        {
            Forgotten = _forgotten,
        };
    }

    private long? Find(ulong address)
    {
        int lo = 0, hi = _ranges.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ranges[mid].Start <= address) { found = mid; lo = mid + 1; }
            else
            {
                hi = mid - 1;
            }
        }
        // Ranges of one GC do not overlap; a moved range and a surviving one never cover the same object.
        return found >= 0 && address < _ranges[found].End ? _ranges[found].Delta : null;
    }

    private readonly record struct TrackedObject(int Site, double Bytes, double Count, int Generation);
}

/// <summary>How a window's live-object tracking went (weighted bytes, like allocation samples).</summary>
/// <param name="SampledObjects">Sampled allocations in the window.</param>
/// <param name="SampledBytes">Their estimated bytes.</param>
/// <param name="LiveObjects">Sampled objects still alive at the end of the window.</param>
/// <param name="LiveBytes">Their estimated bytes: the window's in-use total.</param>
/// <param name="Freed">Sampled objects seen freed by a GC.</param>
/// <param name="GCs">GCs seen from start to end.</param>
/// <param name="GCsWithoutRanges">Of those, GCs that reported no survivors.</param>
/// <param name="UntrackedSamples">Samples not followed because <paramref name="MaxTracked"/> objects were already followed.</param>
/// <param name="UntrackedBytes">Their estimated bytes (missing from in-use if they survived).</param>
public sealed record LiveHeapSummary(
    long SampledObjects, double SampledBytes, long LiveObjects, double LiveBytes, long Freed, long GCs, long GCsWithoutRanges,
    long UntrackedSamples, double UntrackedBytes, int MaxTracked)
{
    /// <summary>Continuous runs: young objects carried from the previous window and dropped because GCs between the windows were missed.</summary>
    public long Forgotten { get; init; }

    /// <summary>Continuous runs: the first window of the run (null for a single window).</summary>
    public DateTime? TrackingSinceUtc { get; init; }

    /// <summary>Share of the window's sampled bytes still in use at its end (above 100 % in continuous runs, whose in-use includes earlier windows).</summary>
    public double LiveShare => SampledBytes <= 0 ? 0 : LiveBytes / SampledBytes;

    /// <summary>One line for logs and one-shot output: what in-use means for this window.</summary>
    public string Describe(TimeSpan window) =>
        (TrackingSinceUtc is { } since
            ? $"in use at the end of the {window.TotalSeconds:F0} s window (continuous since {since:u}): {LiveBytes / 1048576.0:F2} MB; {SampledBytes / 1048576.0:F2} MB sampled in this window, " +
              $"{GCs} GCs ({GCsWithoutRanges} without survivors), {Forgotten} young objects forgotten across the gap; objects allocated before {since:u} are not seen"
            : $"in use at the end of the {window.TotalSeconds:F0} s window: {LiveBytes / 1048576.0:F2} MB of the {SampledBytes / 1048576.0:F2} MB sampled in it ({LiveShare:P1}), " +
              $"{GCs} GCs ({GCsWithoutRanges} without survivors); objects allocated before the window are not seen") +
        (UntrackedSamples > 0 ? $"; tracking cap of {MaxTracked} objects reached: {UntrackedSamples} later samples ({UntrackedBytes / 1048576.0:F2} MB) not followed" : "");
}
