namespace FleetProfiler.Profiles;

public sealed partial class CallTree
{
    /// <summary>
    /// Bounds the tree to at most <paramref name="maxNodes"/> nodes, counting the root and the <c>[other]</c>
    /// nodes this creates. Keeps the heaviest nodes (best-first from the root, so every kept node's ancestors
    /// are kept) and folds each dropped subtree into one <c>[other]</c> child of its nearest kept ancestor,
    /// whose self values are the dropped subtree's totals: the total of every kept node stays exact.
    /// Endpoint roots (<c>[endpoint] …</c> root children) are kept first, whatever their weight, so that every
    /// endpoint's totals survive a cap; only a cap below twice the number of endpoints folds some of them.
    /// </summary>
    /// <param name="maxNodes">Cap on <see cref="NodeCount"/>, at least 2 (root + one <c>[other]</c>).</param>
    /// <param name="rankBy">Weigh nodes by the total of this kind; null weighs each node by its largest share
    /// of the tree total over all four values, so what matters in any view survives.</param>
    /// <param name="compactFrames">Also drop frames no longer used (<see cref="CompactFrames"/>), which
    /// replaces <see cref="Frames"/>. Pass false when other trees or caches rely on this tree's frame ids.</param>
    /// <returns>The number of nodes removed (0 when the tree already fits).</returns>
    public int Prune(int maxNodes, ProfileKind? rankBy = null, bool compactFrames = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNodes, 2);
        if (_count <= maxNodes) return 0;
        int before = _count;
        double[] score = PruneScores(rankBy);
        var children = BuildChildIndex(ChildOrder.Insertion);

        // Best-first expansion from the root; for every prefix of the expansion order, count the [other]
        // nodes it would need (kept nodes with at least one dropped child) and keep the longest prefix that fits.
        int[] order = new int[maxNodes];
        int[] droppedChildren = new int[_count];
        var queue = new PriorityQueue<int, (double Score, int Node)>(
            Comparer<(double Score, int Node)>.Create(static (a, b) =>
                a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Node.CompareTo(b.Node)));
        order[0] = Root;
        droppedChildren[Root] = children.CountOf(Root);
        int others = droppedChildren[Root] > 0 ? 1 : 0;
        int kept = 1, best = 1;
        foreach (int c in children.ChildrenOf(Root)) queue.Enqueue(c, (score[c], c));
        while (kept < maxNodes && queue.TryDequeue(out int node, out _))
        {
            int parent = (int)(_keys[node] >> 32);
            if (--droppedChildren[parent] == 0) others--;
            droppedChildren[node] = children.CountOf(node);
            if (droppedChildren[node] > 0) others++;
            order[kept++] = node;
            if (kept + others <= maxNodes) best = kept;
            foreach (int c in children.ChildrenOf(node)) queue.Enqueue(c, (score[c], c));
        }

        bool[] keep = new bool[_count];
        for (int i = 0; i < best; i++) keep[order[i]] = true;

        var built = new CallTree(_frames, maxNodes);
        int[] newIndex = ArrayPool<int>.Shared.Rent(_count);
        try
        {
            newIndex[Root] = Root;
            built._self[Root] = _self[Root];
            int otherFrame = -1;
            for (int i = 1; i < _count; i++)
            {
                long k = _keys[i];
                int p = (int)(k >> 32);
                int target;
                if (keep[i]) target = built.GetOrAddChild(newIndex[p], (int)k);
                else if (keep[p]) target = built.GetOrAddChild(newIndex[p], otherFrame >= 0 ? otherFrame : otherFrame = _frames.OtherId);
                else target = newIndex[p];
                newIndex[i] = target;
                built._self[target] += _self[i];
            }
        }
        finally { ArrayPool<int>.Shared.Return(newIndex); }
        built._total = _total;
        Debug.Assert(built._count <= maxNodes);
        Adopt(built);
        if (compactFrames) CompactFrames();
        return before - _count;
    }

    private double[] PruneScores(ProfileKind? rankBy)
    {
        double[] score = WeighNodes(rankBy);
        if (_frames.FindEndpoints() is { } endpoints)
        {
            for (int i = 1; i < _count; i++)
                if ((int)(_keys[i] >> 32) == Root && endpoints[(int)_keys[i]]) score[i] = double.PositiveInfinity;
        }
        return score;
    }

    private double[] WeighNodes(ProfileKind? rankBy)
    {
        var score = new double[_count];
        if (rankBy is { } kind)
        {
            long[] totals = ComputeTotals(kind);
            for (int i = 0; i < _count; i++) score[i] = totals[i];
            return score;
        }
        SampleValues[] t = ComputeTotals();
        SampleValues all = t[Root];
        double cpu = Scale(all.CpuSamples), wall = Scale(all.WallSamples), bytes = Scale(all.AllocBytes), count = Scale(all.AllocCount);
        double inuseBytes = Scale(all.InuseBytes), inuseCount = Scale(all.InuseCount);
        for (int i = 0; i < _count; i++)
        {
            score[i] = Math.Max(Math.Max(
                Math.Max(Math.Max(t[i].CpuSamples, 0) * cpu, Math.Max(t[i].WallSamples, 0) * wall),
                Math.Max(Math.Max(t[i].AllocBytes, 0) * bytes, Math.Max(t[i].AllocCount, 0) * count)),
                Math.Max(Math.Max(t[i].InuseBytes, 0) * inuseBytes, Math.Max(t[i].InuseCount, 0) * inuseCount));
        }
        return score;

        static double Scale(long total) => total > 0 ? 1.0 / total : 0;
    }
}
