namespace FleetProfiler.Profiles;

/// <summary>Sampled allocations of one type over a tree.</summary>
/// <param name="Type">The allocated type, without the <see cref="Frame.AllocatedTypePrefix"/>.</param>
/// <param name="Bytes">Allocated bytes (<see cref="SampleValues.AllocBytes"/>), or bytes in use for kind inuse.</param>
/// <param name="Count">Allocations (<see cref="SampleValues.AllocCount"/>), or objects in use for kind inuse.</param>
public sealed record AllocatedTypeStats(string Type, long Bytes, long Count);

public sealed partial class CallTree
{
    /// <summary>
    /// The <paramref name="n"/> allocated types with the most bytes (then the most allocations, then by name),
    /// from the <c>[alloc] TypeName</c> pseudo-frames wherever they are in the tree.
    /// </summary>
    public IReadOnlyList<AllocatedTypeStats> TopAllocatedTypes(int n) => TopAllocatedTypes(n, ProfileKind.Alloc);

    /// <summary>The same for an allocation kind: <c>alloc</c> (bytes allocated) or <c>inuse</c> (bytes still in use).</summary>
    public IReadOnlyList<AllocatedTypeStats> TopAllocatedTypes(int n, ProfileKind kind)
    {
        var type = ProfileTypes.Of(kind);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        bool[]? types = _frames.FindAllocatedTypes();
        if (types is null) return [];
        var byType = new Dictionary<int, SampleValues>();   // by frame id: a type frame has no file or line
        for (int i = 1; i < _count; i++)
        {
            int f = (int)_keys[i];
            if (types[f]) byType[f] = byType.GetValueOrDefault(f) + _self[i];
        }
        var list = new List<AllocatedTypeStats>(byType.Count);
        foreach (var (frame, values) in byType)
        {
            long bytes = values.Get(type.Value), count = values.Get(type.Secondary);
            if (bytes == 0 && count == 0) continue;
            list.Add(new AllocatedTypeStats(_frames.GetFunction(frame)[Frame.AllocatedTypePrefix.Length..], bytes, count));
        }
        list.Sort((a, b) => Rank(a.Bytes, a.Count, a.Type, b.Bytes, b.Count, b.Type, RankBy.Self));
        return list.Count > n ? list.GetRange(0, n) : list;
    }

    /// <summary>
    /// This tree with every <c>[alloc] TypeName</c> pseudo-frame merged into its allocation site, the innermost
    /// real frame above it, which then carries the allocated bytes as its own self value: the view of "which code
    /// allocates". An allocation with no real frame above it (an empty stack) keeps its type frame, since there is
    /// no site to carry it. Returns this tree itself when it has no allocated-type frames; the result shares
    /// <see cref="Frames"/> (append-only) with this tree.
    /// </summary>
    public CallTree WithoutAllocatedTypes()
    {
        bool[]? types = _frames.FindAllocatedTypes();
        if (types is null) return this;
        var result = new CallTree(_frames, _count);
        // An allocated-type frame folds into its parent (the allocation site), unless it hangs off the root.
        return CopyInto(result, (parent, f) => types[f] && parent != Root ? parent : result.GetOrAddChild(parent, f));
    }
}
