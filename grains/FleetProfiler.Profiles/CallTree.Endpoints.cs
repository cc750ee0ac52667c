namespace FleetProfiler.Profiles;

/// <summary>The totals of one endpoint root of a tree.</summary>
/// <param name="Endpoint">The endpoint name, without the <see cref="Frame.EndpointPrefix"/>.</param>
/// <param name="Values">The total (self + descendants) of its root.</param>
public sealed record EndpointTotal(string Endpoint, SampleValues Values);

public sealed partial class CallTree
{
    /// <summary>
    /// The totals of every endpoint root (a root child that is an <c>[endpoint] …</c> pseudo-frame), ordered by name
    /// (ordinal). What they do not hold (stacks of unattributed windows, the root's own self) is
    /// <see cref="Total"/> minus their sum.
    /// </summary>
    public IReadOnlyList<EndpointTotal> EndpointTotals()
    {
        bool[]? endpoints = _frames.FindEndpoints();
        if (endpoints is null) return [];
        SampleValues[] totals = ComputeTotals();
        var list = new List<EndpointTotal>();
        for (int i = 1; i < _count; i++)
        {
            long k = _keys[i];
            if ((int)(k >> 32) == Root && endpoints[(int)k])
                list.Add(new EndpointTotal(_frames.GetFunction((int)k)[Frame.EndpointPrefix.Length..], totals[i]));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Endpoint, b.Endpoint));
        return list;
    }

    /// <summary>
    /// This tree with every endpoint root folded away: the stacks under <c>[endpoint] E</c> merge with the same stacks
    /// of every other endpoint and of unattributed windows, which is the service's profile as it was before samples
    /// carried endpoints. An endpoint root's own self values go to the root. Returns this tree itself when it has no
    /// endpoint frames; the result shares <see cref="Frames"/> (append-only) with this tree.
    /// </summary>
    public CallTree WithoutEndpoints()
    {
        bool[]? endpoints = _frames.FindEndpoints();
        if (endpoints is null) return this;
        var result = new CallTree(_frames, _count);
        return CopyInto(result, (parent, f) => parent == Root && endpoints[f] ? Root : result.GetOrAddChild(parent, f));
    }

    /// <summary>
    /// The stacks under the root <c>[endpoint] <paramref name="endpoint"/></c>, re-rooted (the endpoint's own
    /// flamegraph): its total is the endpoint root's total. Empty when the tree has no such root. The result shares
    /// <see cref="Frames"/> (append-only) with this tree.
    /// </summary>
    public CallTree EndpointSubtree(string endpoint)
    {
        var result = new CallTree(_frames);
        if (!_frames.TryGetId(Frame.Endpoint(endpoint), out int frame) || !TryGetChild(Root, frame, out int top)) return result;
        int[] nodeMap = ArrayPool<int>.Shared.Rent(_count);
        try
        {
            // Children have larger ids than their parents, so one pass in id order finds the whole subtree.
            nodeMap.AsSpan(0, _count).Fill(-1);
            nodeMap[top] = Root;
            SampleValues total = default;
            for (int i = top; i < _count; i++)
            {
                int node;
                if (i == top)
                {
                    node = Root;
                }
                else
                {
                    int p = nodeMap[(int)(_keys[i] >> 32)];
                    if (p < 0) continue;
                    node = nodeMap[i] = result.GetOrAddChild(p, (int)_keys[i]);
                }
                result._self[node] += _self[i];
                total += _self[i];
            }
            result._total = total;
        }
        finally { ArrayPool<int>.Shared.Return(nodeMap); }
        return result;
    }
}
