namespace FleetProfiler.Profiles.Coverage;

/// <summary>
/// A set of 1-based source line numbers kept as sorted, disjoint, non-adjacent inclusive ranges: the wire's packed
/// form (<c>[first, last, first, last, ...]</c>) and the stored form. Immutable; set operations return new sets.
/// </summary>
public sealed class LineSet : IEquatable<LineSet>
{
    /// <summary>The largest line number accepted anywhere (a source file longer than this is not a source file).</summary>
    public const int MaxLine = 1_000_000;

    /// <summary>No lines.</summary>
    public static readonly LineSet Empty = new([]);

    private readonly int[] _ranges;

    private LineSet(int[] ranges) => _ranges = ranges;

    /// <summary>Number of ranges.</summary>
    public int RangeCount => _ranges.Length / 2;

    /// <summary>Number of lines.</summary>
    public int Count
    {
        get
        {
            var n = 0;
            for (var i = 0; i < _ranges.Length; i += 2) n += _ranges[i + 1] - _ranges[i] + 1;
            return n;
        }
    }

    /// <summary>True when the set has no line.</summary>
    public bool IsEmpty => _ranges.Length == 0;

    /// <summary>The ranges in order.</summary>
    public IEnumerable<(int First, int Last)> Ranges
    {
        get
        {
            for (var i = 0; i < _ranges.Length; i += 2) yield return (_ranges[i], _ranges[i + 1]);
        }
    }

    /// <summary>Every line in order.</summary>
    public IEnumerable<int> Lines => Ranges.SelectMany(r => Enumerable.Range(r.First, r.Last - r.First + 1));

    /// <summary>The packed pairs, as the wire and the store carry them.</summary>
    public int[] ToPacked() => (int[])_ranges.Clone();

    /// <summary>
    /// Reads packed pairs, which must be well formed: an even count, 1 ≤ first ≤ last ≤ <see cref="MaxLine"/>, and
    /// each range starting after the previous one ended. Throws <see cref="ProfileDataException"/> naming the problem
    /// (the caller prefixes the field). Touching ranges (5-6, 7-9) are accepted and merged.
    /// </summary>
    public static LineSet FromPacked(IReadOnlyList<uint> packed)
    {
        if (packed.Count % 2 != 0) throw new ProfileDataException($"has {packed.Count} numbers; ranges come in pairs (first, last)");
        var ranges = new List<int>(packed.Count);
        for (var i = 0; i < packed.Count; i += 2)
        {
            var (first, last) = (packed[i], packed[i + 1]);
            if (first == 0) throw new ProfileDataException($"range {i / 2} starts at line 0 (lines are 1-based)");
            if (last > MaxLine) throw new ProfileDataException($"range {i / 2} ends at line {last}, over the maximum line {MaxLine}");
            if (last < first) throw new ProfileDataException($"range {i / 2} ({first}-{last}) ends before it starts");
            if (ranges.Count > 0 && first <= ranges[^1]) throw new ProfileDataException($"range {i / 2} ({first}-{last}) is not after the previous range (ranges must be sorted and disjoint)");
            Append(ranges, (int)first, (int)last);
        }
        return new LineSet([.. ranges]);
    }

    /// <summary>Packed pairs as stored (trusted: written by this class).</summary>
    public static LineSet FromStored(int[]? packed) => packed is null || packed.Length == 0 ? Empty : FromPacked(packed.Select(p => (uint)p).ToArray());

    /// <summary>A set of any lines (unsorted, repeats allowed); each must be in 1..<see cref="MaxLine"/>.</summary>
    public static LineSet Of(IEnumerable<int> lines)
    {
        var sorted = lines.Distinct().Order().ToArray();
        if (sorted.Length > 0 && (sorted[0] < 1 || sorted[^1] > MaxLine))
            throw new ProfileDataException($"line {(sorted[0] < 1 ? sorted[0] : sorted[^1])} is outside 1..{MaxLine}");
        var ranges = new List<int>();
        foreach (var line in sorted) Append(ranges, line, line);
        return new LineSet([.. ranges]);
    }

    /// <summary>True when <paramref name="line"/> is in the set (binary search over the ranges).</summary>
    public bool Contains(int line)
    {
        int lo = 0, hi = RangeCount - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (line < _ranges[2 * mid]) hi = mid - 1;
            else if (line > _ranges[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /// <summary>True when every line of this set is in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(LineSet other) => Except(other).IsEmpty;

    /// <summary>Lines in either set.</summary>
    public LineSet Union(LineSet other) => Combine(other, (a, b) => a || b);

    /// <summary>Lines in both sets.</summary>
    public LineSet Intersect(LineSet other) => Combine(other, (a, b) => a && b);

    /// <summary>Lines of this set that are not in <paramref name="other"/>.</summary>
    public LineSet Except(LineSet other) => Combine(other, (a, b) => a && !b);

    /// <summary>Sweeps the boundaries of both sets once; a line is in the result when <paramref name="keep"/> says so.</summary>
    private LineSet Combine(LineSet other, Func<bool, bool, bool> keep)
    {
        var points = new SortedSet<int>();
        foreach (var (f, l) in Ranges) { points.Add(f); points.Add(l + 1); }
        foreach (var (f, l) in other.Ranges) { points.Add(f); points.Add(l + 1); }
        var result = new List<int>();
        var bounds = points.ToArray();
        for (var i = 0; i + 1 < bounds.Length; i++)
        {
            // [bounds[i], bounds[i+1]) is uniform in both sets.
            if (keep(Contains(bounds[i]), other.Contains(bounds[i]))) Append(result, bounds[i], bounds[i + 1] - 1);
        }
        return new LineSet([.. result]);
    }

    private static void Append(List<int> ranges, int first, int last)
    {
        if (ranges.Count > 0 && first <= ranges[^1] + 1)
        {
            ranges[^1] = Math.Max(ranges[^1], last);
            return;
        }
        ranges.Add(first);
        ranges.Add(last);
    }

    /// <summary>Same lines.</summary>
    public bool Equals(LineSet? other) => other is not null && _ranges.AsSpan().SequenceEqual(other._ranges);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LineSet other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var v in _ranges) hash.Add(v);
        return hash.ToHashCode();
    }

    /// <summary>"1-3,7,10-12"; "" when empty.</summary>
    public override string ToString() => string.Join(',', Ranges.Select(r => r.First == r.Last ? r.First.ToString(CultureInfo.InvariantCulture) : $"{r.First}-{r.Last}"));
}
