namespace FleetProfiler.Profiles.Formats;

/// <summary>Chooses the nodes a <see cref="FlameTree"/> keeps under its cap and lays them out in pre-order.</summary>
internal static class FlameTreeBuilder
{
    private const string RootName = "all";

    private readonly record struct Pending(int Node, int Parent, long Offset, long OtherWeight, double OtherBefore, double OtherAfter);

    public static FlameTree Build(CallTree tree, long[] weight, double[]? before, double[]? after, int maxNodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNodes, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxNodes, FlameTree.MaxMaxNodes);
        // Heavier siblings first; equal weights in frame order, so the layout does not depend on insertion order.
        var children = tree.BuildChildIndex((a, b) =>
        {
            int c = weight[b].CompareTo(weight[a]);
            return c != 0 ? c : tree.CompareByFrame(a, b);
        });
        int live = 0;
        for (int i = 1; i < weight.Length; i++) if (weight[i] > 0) live++;
        bool[] keep;
        int folded;
        if (live + 1 <= maxNodes)
        {
            keep = new bool[weight.Length];
            for (int i = 0; i < weight.Length; i++) keep[i] = i == CallTree.Root || weight[i] > 0;
            folded = 0;
        }
        else
        {
            (keep, int kept) = Choose(tree, children, weight, maxNodes);
            folded = live - (kept - 1);
        }

        var flame = new FlameTree(live + 1 <= maxNodes ? live + 1 : maxNodes, maxNodes) { FoldedNodes = folded };
        if (before is not null) flame.Before = new double[flame.Name.Length];
        if (after is not null) flame.After = new double[flame.Name.Length];
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        int Intern(string s)
        {
            if (strings.TryGetValue(s, out int id)) return id;
            strings[s] = id = flame.Strings.Count;
            flame.Strings.Add(s);
            return id;
        }

        var stack = new Stack<Pending>();
        var pushes = new List<Pending>();
        stack.Push(new Pending(CallTree.Root, -1, 0, 0, 0, 0));
        while (stack.TryPop(out var p))
        {
            int at = flame.Count++;
            flame.Parent[at] = p.Parent;
            flame.Offset[at] = p.Offset;
            if (p.Node < 0)
            {
                // The folded rest of a kept node's children: a leaf of their summed values.
                flame.Name[at] = Intern(Frame.OtherName);
                flame.File[at] = -1;
                flame.Self[at] = flame.Total[at] = p.OtherWeight;
                if (flame.Before is not null) flame.Before[at] = p.OtherBefore;
                if (flame.After is not null) flame.After[at] = p.OtherAfter;
                continue;
            }
            int node = p.Node;
            if (node == CallTree.Root)
            {
                flame.Name[at] = Intern(RootName);
                flame.File[at] = -1;
            }
            else
            {
                Frame frame = tree.FrameOf(node);
                flame.Name[at] = Intern(frame.Function);
                flame.File[at] = frame.File is null ? -1 : Intern(frame.File);
                flame.Line[at] = frame.Line;
            }
            if (flame.Before is not null) flame.Before[at] = before![node];
            if (flame.After is not null) flame.After[at] = after![node];
            flame.Total[at] = weight[node];

            long self = weight[node], cursor = p.Offset, otherWeight = 0;
            double otherBefore = 0, otherAfter = 0;
            pushes.Clear();
            foreach (int c in children.ChildrenOf(node))
            {
                if (weight[c] <= 0) break;   // sorted heaviest first: the rest weigh nothing
                self -= weight[c];
                if (keep[c])
                {
                    pushes.Add(new Pending(c, at, cursor, 0, 0, 0));
                    cursor += weight[c];
                }
                else
                {
                    otherWeight += weight[c];
                    otherBefore += before?[c] ?? 0;
                    otherAfter += after?[c] ?? 0;
                }
            }
            if (otherWeight > 0) pushes.Add(new Pending(-1, at, cursor, otherWeight, otherBefore, otherAfter));
            flame.Self[at] = Math.Max(self, 0);
            for (int k = pushes.Count - 1; k >= 0; k--) stack.Push(pushes[k]);
        }
        return flame;
    }

    /// <summary>
    /// Best-first from the root: for every prefix of the expansion order, count the <c>[other]</c> nodes it needs
    /// (kept nodes with a dropped child of non-zero weight) and keep the longest prefix that fits the cap.
    /// </summary>
    private static (bool[] Keep, int Kept) Choose(CallTree tree, ChildIndex children, long[] weight, int maxNodes)
    {
        int[] order = new int[maxNodes];
        int[] dropped = new int[weight.Length];
        var queue = new PriorityQueue<int, (long Weight, int Node)>(
            Comparer<(long Weight, int Node)>.Create(static (a, b) =>
                a.Weight != b.Weight ? b.Weight.CompareTo(a.Weight) : a.Node.CompareTo(b.Node)));
        order[0] = CallTree.Root;
        dropped[CallTree.Root] = Enqueue(CallTree.Root);
        int others = dropped[CallTree.Root] > 0 ? 1 : 0;
        int kept = 1, best = 1;
        while (kept < maxNodes && queue.TryDequeue(out int node, out _))
        {
            int parent = tree.ParentOf(node);
            if (--dropped[parent] == 0) others--;
            dropped[node] = Enqueue(node);
            if (dropped[node] > 0) others++;
            order[kept++] = node;
            if (kept + others <= maxNodes) best = kept;
        }
        var keep = new bool[weight.Length];
        for (int i = 0; i < best; i++) keep[order[i]] = true;
        return (keep, best);

        int Enqueue(int node)
        {
            int n = 0;
            foreach (int c in children.ChildrenOf(node))
            {
                if (weight[c] <= 0) break;
                queue.Enqueue(c, (weight[c], c));
                n++;
            }
            return n;
        }
    }
}
