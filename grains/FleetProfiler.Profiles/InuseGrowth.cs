namespace FleetProfiler.Profiles;

/// <summary>One allocation site (or type) in the growth view: in-use bytes in A and B.</summary>
/// <param name="Name">Function of the allocation site (the innermost real frame), or the allocated type.</param>
/// <param name="BytesA">In-use bytes in snapshot A.</param>
/// <param name="BytesB">In-use bytes in snapshot B.</param>
/// <param name="CountA">Objects in use in A.</param>
/// <param name="CountB">Objects in use in B.</param>
public sealed record SiteGrowth(string Name, long BytesA, long BytesB, long CountA, long CountB)
{
    /// <summary>Bytes B − A.</summary>
    public long Growth => BytesB - BytesA;

    /// <summary>Objects B − A.</summary>
    public long CountGrowth => CountB - CountA;
}

/// <summary>What the growth view groups by.</summary>
public enum GrowthBy
{
    /// <summary>The allocation site: the innermost real frame above the allocated type.</summary>
    Site,
    /// <summary>The allocated type.</summary>
    Type,
}

/// <summary>
/// The leak finder: in-use bytes per allocation site (or type) of two snapshots (A, then B) and their difference,
/// largest growth first (like comparing two tracemalloc snapshots). Bounded: at most <c>limit</c> entries.
/// </summary>
public static class InuseGrowth
{
    /// <summary>Most entries one call returns.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The <paramref name="limit"/> (1..<see cref="MaxLimit"/>) largest growths from <paramref name="a"/> to <paramref name="b"/>.</summary>
    public static IReadOnlyList<SiteGrowth> Compute(CallTree a, CallTree b, GrowthBy by, int limit)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        var sides = new Dictionary<string, (long BytesA, long BytesB, long CountA, long CountB)>(StringComparer.Ordinal);
        foreach (var (name, bytes, count) in Values(a, by))
        {
            var e = sides.GetValueOrDefault(name);
            sides[name] = (e.BytesA + bytes, e.BytesB, e.CountA + count, e.CountB);
        }
        foreach (var (name, bytes, count) in Values(b, by))
        {
            var e = sides.GetValueOrDefault(name);
            sides[name] = (e.BytesA, e.BytesB + bytes, e.CountA, e.CountB + count);
        }
        return sides
            .Select(s => new SiteGrowth(s.Key, s.Value.BytesA, s.Value.BytesB, s.Value.CountA, s.Value.CountB))
            .Where(e => e.BytesA != 0 || e.BytesB != 0)
            .OrderByDescending(e => e.Growth).ThenBy(e => e.Name, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
    }

    private static List<(string Name, long Bytes, long Count)> Values(CallTree tree, GrowthBy by)
    {
        if (by == GrowthBy.Type)
        {
            return [.. tree.TopAllocatedTypes(int.MaxValue, ProfileKind.Inuse).Select(t => (t.Type, t.Bytes, t.Count))];
        }
        var list = new List<(string Name, long Bytes, long Count)>();
        // The site carries its allocations' bytes as its own self value once the type frames are folded into it.
        var sites = tree.WithoutAllocatedTypes();
        var keys = sites.Keys;
        var self = sites.Self;
        for (int i = 1; i < keys.Length; i++)
        {
            var v = self[i];
            if (v.InuseBytes == 0 && v.InuseCount == 0) continue;
            list.Add((sites.Frames.GetFunction((int)keys[i]), v.InuseBytes, v.InuseCount));
        }
        return list;
    }
}
