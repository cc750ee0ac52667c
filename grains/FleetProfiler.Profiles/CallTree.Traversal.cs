namespace FleetProfiler.Profiles;

public sealed partial class CallTree
{
    /// <summary>Total (self + descendants) values of every node, indexed by node id.</summary>
    public SampleValues[] ComputeTotals()
    {
        var totals = new SampleValues[_count];
        Array.Copy(_self, totals, _count);
        for (int i = _count - 1; i > 0; i--) totals[(int)(_keys[i] >> 32)] += totals[i];
        return totals;
    }

    /// <summary>Total (self + descendants) main value of <paramref name="kind"/> of every node.</summary>
    public long[] ComputeTotals(ProfileKind kind)
    {
        var totals = new long[_count];
        for (int i = 0; i < _count; i++) totals[i] = _self[i].Get(kind);
        for (int i = _count - 1; i > 0; i--) totals[(int)(_keys[i] >> 32)] += totals[i];
        return totals;
    }

    /// <summary>Children lists of every node, in insertion order or sorted by frame (name, file, line; ordinal).</summary>
    public ChildIndex BuildChildIndex(ChildOrder order = ChildOrder.Insertion) =>
        new(this, order == ChildOrder.ByFrame ? CompareByFrame : null);

    /// <summary>Children lists of every node, sorted by <paramref name="compareNodes"/> (null: insertion order).</summary>
    public ChildIndex BuildChildIndex(Comparison<int>? compareNodes) => new(this, compareNodes);

    /// <summary>
    /// Calls <paramref name="visitor"/> once per node with non-zero self values: its stack (root first) and self values.
    /// Depth-first; with <paramref name="sortedByFrame"/> the order is canonical (independent of insertion order).
    /// </summary>
    public void ForEachStack(StackVisitor visitor, bool sortedByFrame = false)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        var children = BuildChildIndex(sortedByFrame ? ChildOrder.ByFrame : ChildOrder.Insertion);
        int[] order = Preorder(children, out int[] depth, out int maxDepth);
        int[] path = new int[maxDepth + 1];
        foreach (int node in order)
        {
            int d = depth[node];
            if (node != Root) path[d - 1] = (int)_keys[node];
            if (!_self[node].IsZero) visitor(path.AsSpan(0, d), _self[node]);
        }
    }

    /// <summary>Nodes in depth-first pre-order (parents before children, siblings in index order) with their depths.</summary>
    internal int[] Preorder(ChildIndex children, out int[] depth, out int maxDepth)
    {
        int[] order = new int[_count];
        depth = new int[_count];
        int[] stack = ArrayPool<int>.Shared.Rent(_count);
        int top = 0, k = 0;
        maxDepth = 0;
        stack[top++] = Root;
        while (top > 0)
        {
            int n = stack[--top];
            order[k++] = n;
            int d = depth[n] + 1;
            ReadOnlySpan<int> kids = children.ChildrenOf(n);
            for (int j = kids.Length - 1; j >= 0; j--)
            {
                depth[kids[j]] = d;
                stack[top++] = kids[j];
            }
            if (kids.Length > 0 && d > maxDepth) maxDepth = d;
        }
        ArrayPool<int>.Shared.Return(stack);
        return order;
    }

    /// <summary>Orders sibling nodes by frame: function name, file, line (ordinal), which is total for distinct frames.</summary>
    internal int CompareByFrame(int a, int b)
    {
        int fa = (int)_keys[a], fb = (int)_keys[b];
        if (fa == fb) return 0;
        int c = string.CompareOrdinal(_frames.GetFunction(fa), _frames.GetFunction(fb));
        if (c != 0) return c;
        c = string.CompareOrdinal(_frames.GetFile(fa), _frames.GetFile(fb));
        return c != 0 ? c : _frames.GetLine(fa).CompareTo(_frames.GetLine(fb));
    }
}

/// <summary>Order of children in a <see cref="ChildIndex"/>.</summary>
public enum ChildOrder
{
    /// <summary>Order the children were added in.</summary>
    Insertion,
    /// <summary>By function name, then file, then line (ordinal): canonical.</summary>
    ByFrame,
}
