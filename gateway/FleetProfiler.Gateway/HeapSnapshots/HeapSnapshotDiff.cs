using FleetProfiler.Abstractions.HeapSnapshots;

namespace FleetProfiler.Gateway.HeapSnapshots;

/// <summary>One type in two snapshots.</summary>
public sealed record HeapTypeChange(string Name, HeapTypeFigures? A, HeapTypeFigures? B)
{
    public long Growth => (B?.LiveBytes ?? 0) - (A?.LiveBytes ?? 0);
}

/// <summary>Two heap snapshots compared type by type: what grew most first, what shrank last.</summary>
public static class HeapSnapshotDiff
{
    public static IReadOnlyList<HeapTypeChange> Compute(StoredHeapSnapshot a, StoredHeapSnapshot b, int limit)
    {
        var byNameA = ByName(a.Types);
        var byNameB = ByName(b.Types);
        return byNameA.Keys.Union(byNameB.Keys, StringComparer.Ordinal)
            .Select(name => new HeapTypeChange(name, byNameA.GetValueOrDefault(name), byNameB.GetValueOrDefault(name)))
            .OrderByDescending(c => c.Growth).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
    }

    // Agents send each name once; a row repeated anyway (an older agent) is added up rather than refused.
    private static Dictionary<string, HeapTypeFigures> ByName(IEnumerable<HeapTypeFigures> types) =>
        types.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => new HeapTypeFigures(g.Key, g.Sum(t => t.LiveBytes), g.Sum(t => t.Objects), g.Sum(t => t.RetainedBytes)),
            StringComparer.Ordinal);

    /// <summary>Types ordered for one snapshot's table.</summary>
    public static IEnumerable<HeapTypeFigures> Order(IEnumerable<HeapTypeFigures> types, string orderBy) => orderBy switch
    {
        "retained" => types.OrderByDescending(t => t.RetainedBytes).ThenByDescending(t => t.LiveBytes).ThenBy(t => t.Name, StringComparer.Ordinal),
        "objects" => types.OrderByDescending(t => t.Objects).ThenBy(t => t.Name, StringComparer.Ordinal),
        _ => types.OrderByDescending(t => t.LiveBytes).ThenBy(t => t.Name, StringComparer.Ordinal),
    };
}
