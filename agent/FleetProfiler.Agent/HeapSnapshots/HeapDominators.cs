namespace FleetProfiler.Agent.HeapSnapshots;

/// <summary>
/// Retained sizes from the dominator tree of a heap graph (Cooper, Harvey and Kennedy, "A Simple, Fast Dominance
/// Algorithm", 2001: iterate idom over reverse postorder until nothing changes). A virtual root points at the GC roots
/// and at every object the roots do not reach (the dump's root events can miss some kinds of roots; those objects are
/// alive, so they count as their own retainers rather than vanish).
/// </summary>
public static class HeapDominators
{
    /// <summary>Passes over the graph before giving up (real heaps converge in a handful).</summary>
    public const int MaxPasses = 64;

    /// <summary>Retained bytes of each node (index = node), or null when the iteration did not converge within <see cref="MaxPasses"/>.</summary>
    public static long[]? Retained(ResolvedGraph g, Func<int, long> size, out int[] idom)
    {
        var n = g.Count;
        var root = n;
        var post = new int[n + 1];
        Array.Fill(post, -1);
        var byPost = new int[n + 1];
        var rootChildren = new List<int>(g.Roots.Length);
        var visited = new bool[n + 1];
        var next = 0;
        var stack = new Stack<(int Node, int Edge)>();

        void Walk(int start)
        {
            visited[start] = true;
            stack.Push((start, g.Starts[start]));
            while (stack.Count > 0)
            {
                var (v, e) = stack.Pop();
                if (e < g.Starts[v + 1])
                {
                    stack.Push((v, e + 1));
                    var w = g.Targets[e];
                    if (!visited[w])
                    {
                        visited[w] = true;
                        stack.Push((w, g.Starts[w]));
                    }
                    continue;
                }
                post[v] = next;
                byPost[next++] = v;
            }
        }

        foreach (var r in g.Roots)
        {
            if (visited[r]) continue;
            rootChildren.Add(r);
            Walk(r);
        }
        for (var i = 0; i < n; i++)
        {
            if (visited[i]) continue;
            rootChildren.Add(i);
            Walk(i);
        }
        post[root] = next;
        byPost[next] = root;
        foreach (var r in g.Roots) if (!rootChildren.Contains(r)) rootChildren.Add(r);

        // Predecessors in CSR form, the virtual root included.
        var predCount = new int[n + 2];
        for (var i = 0; i < g.Targets.Length; i++) predCount[g.Targets[i] + 1]++;
        foreach (var c in rootChildren) predCount[c + 1]++;
        for (var i = 1; i < predCount.Length; i++) predCount[i] += predCount[i - 1];
        var preds = new int[predCount[n + 1]];
        var fill = (int[])predCount.Clone();
        for (var v = 0; v < n; v++)
            for (var e = g.Starts[v]; e < g.Starts[v + 1]; e++) preds[fill[g.Targets[e]]++] = v;
        foreach (var c in rootChildren) preds[fill[c]++] = root;

        idom = new int[n + 1];
        Array.Fill(idom, -1);
        idom[root] = root;
        var changed = true;
        var passes = 0;
        while (changed)
        {
            if (++passes > MaxPasses) return null;
            changed = false;
            for (var k = n - 1; k >= 0; k--)
            {
                var b = byPost[k];
                var newIdom = -1;
                for (var p = predCount[b]; p < predCount[b + 1]; p++)
                {
                    var pred = preds[p];
                    if (idom[pred] == -1) continue;
                    newIdom = newIdom == -1 ? pred : Intersect(pred, newIdom, idom, post);
                }
                if (newIdom != -1 && idom[b] != newIdom)
                {
                    idom[b] = newIdom;
                    changed = true;
                }
            }
        }

        // A dominator comes after what it dominates in postorder: add each subtree into its parent once.
        var retained = new long[n + 1];
        for (var v = 0; v < n; v++) retained[v] += size(v);
        for (var k = 0; k < n; k++)
        {
            var v = byPost[k];
            retained[idom[v]] += retained[v];
        }
        return retained;
    }

    private static int Intersect(int b1, int b2, int[] idom, int[] post)
    {
        while (b1 != b2)
        {
            while (post[b1] < post[b2]) b1 = idom[b1];
            while (post[b2] < post[b1]) b2 = idom[b2];
        }
        return b1;
    }

    /// <summary>
    /// Retained bytes per type: for each object, its retained size counts for its type unless another object of the
    /// same type dominates it (a list's nodes would otherwise count the list many times over).
    /// </summary>
    public static long[] RetainedByType(int count, int[] idom, long[] retained, int[] typeOf, int typeCount)
    {
        var root = count;
        var childCount = new int[count + 2];
        for (var v = 0; v < count; v++) childCount[idom[v] + 1]++;
        for (var i = 1; i < childCount.Length; i++) childCount[i] += childCount[i - 1];
        var children = new int[count];
        var fill = (int[])childCount.Clone();
        for (var v = 0; v < count; v++) children[fill[idom[v]]++] = v;

        var byType = new long[typeCount];
        var active = new int[typeCount];
        // Depth-first over the dominator tree with an explicit stack: heaps hold lists millions of objects deep.
        var stack = new Stack<(int Node, int Child)>();
        stack.Push((root, childCount[root]));
        while (stack.Count > 0)
        {
            var (v, c) = stack.Pop();
            if (c < childCount[v + 1])
            {
                stack.Push((v, c + 1));
                var w = children[c];
                var t = typeOf[w];
                if (active[t] == 0) byType[t] += retained[w];
                active[t]++;
                stack.Push((w, childCount[w]));
                continue;
            }
            if (v != root) active[typeOf[v]]--;
        }
        return byType;
    }
}
