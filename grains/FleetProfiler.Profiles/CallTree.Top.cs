namespace FleetProfiler.Profiles;

/// <summary>Self and total of one function (by name) in a tree, for one profile kind.</summary>
/// <param name="Function">Function name.</param>
/// <param name="Self">Value of stacks whose leaf is this function; for allocations, the bytes allocated by this
/// function itself (the allocated-type pseudo-frame below it is not a function, see <see cref="Frame.AllocatedTypePrefix"/>).</param>
/// <param name="Total">Value of stacks containing this function, each counted once even under recursion.</param>
public sealed record FunctionStats(string Function, long Self, long Total);

/// <summary>Self and total of one source file in a tree, for one profile kind.</summary>
/// <param name="File">Source file path as symbolized.</param>
/// <param name="Self">Value of stacks whose leaf frame is in this file (for allocations: whose allocation site is).</param>
/// <param name="Total">Value of stacks with any frame in this file, each counted once.</param>
public sealed record FileStats(string File, long Self, long Total);

/// <summary>Which value orders a top list.</summary>
public enum RankBy
{
    /// <summary>Self value, largest first.</summary>
    Self,
    /// <summary>Total value, largest first.</summary>
    Total,
}

public sealed partial class CallTree
{
    /// <summary>
    /// The <paramref name="n"/> functions with the largest self (or total) value of <paramref name="kind"/>.
    /// Frames group by function name (lines and files ignored). Ties order by name. An allocated-type pseudo-frame
    /// is not a function: its values are the allocation site's self (see <see cref="WithoutAllocatedTypes"/>).
    /// </summary>
    public IReadOnlyList<FunctionStats> TopFunctions(ProfileKind kind, int n, RankBy rankBy = RankBy.Self)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var (self, total) = AggregateByString(kind, byFile: false);
        var list = new List<FunctionStats>();
        for (int s = 0; s < self.Length; s++)
            if (self[s] != 0 || total[s] != 0) list.Add(new FunctionStats(_frames.GetString(s), self[s], total[s]));
        list.Sort((a, b) => Rank(a.Self, a.Total, a.Function, b.Self, b.Total, b.Function, rankBy));
        return list.Count > n ? list.GetRange(0, n) : list;
    }

    /// <summary>
    /// The <paramref name="n"/> source files with the largest self (or total) value of <paramref name="kind"/>.
    /// Frames without a file are not counted. Ties order by path. Allocated bytes count for the file of the
    /// allocation site, not for the allocated-type pseudo-frame below it.
    /// </summary>
    public IReadOnlyList<FileStats> TopFiles(ProfileKind kind, int n, RankBy rankBy = RankBy.Self)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var (self, total) = AggregateByString(kind, byFile: true);
        var list = new List<FileStats>();
        for (int s = 0; s < self.Length; s++)
            if (self[s] != 0 || total[s] != 0) list.Add(new FileStats(_frames.GetString(s), self[s], total[s]));
        list.Sort((a, b) => Rank(a.Self, a.Total, a.File, b.Self, b.Total, b.File, rankBy));
        return list.Count > n ? list.GetRange(0, n) : list;
    }

    private static int Rank(long selfA, long totalA, string nameA, long selfB, long totalB, string nameB, RankBy rankBy)
    {
        int c = rankBy == RankBy.Self
            ? CompareDescending(selfA, totalA, selfB, totalB)
            : CompareDescending(totalA, selfA, totalB, selfB);
        return c != 0 ? c : string.CompareOrdinal(nameA, nameB);

        static int CompareDescending(long a1, long a2, long b1, long b2) => a1 != b1 ? b1.CompareTo(a1) : b2.CompareTo(a2);
    }

    /// <summary>
    /// Self and total per string id (function name or file). A node adds its subtree total only when no
    /// ancestor has the same key: in pre-order the last "topmost" node seen for a key is on the current path
    /// exactly when the key already occurs above, so recursion is counted once without per-path sets.
    /// An allocated-type node gives its self to its allocation site and no total of its own (the site's total
    /// already holds it), which is what the same tree after <see cref="WithoutAllocatedTypes"/> gives.
    /// </summary>
    private (long[] Self, long[] Total) AggregateByString(ProfileKind kind, bool byFile)
    {
        long[] totals = ComputeTotals(kind);
        int[] order = Preorder(BuildChildIndex(ChildOrder.Insertion), out int[] depth, out int maxDepth);
        int strings = _frames.StringCount;
        var self = new long[strings];
        var total = new long[strings];
        int[] topmost = new int[strings];
        Array.Fill(topmost, -1);
        int[] path = new int[maxDepth + 1];
        bool[]? types = _frames.FindAllocatedTypes();
        foreach (int node in order)
        {
            if (node == Root) continue;
            int d = depth[node];
            path[d] = node;
            int f = (int)_keys[node];
            if (types is not null && types[f] && AllocationSite(path, d, types) is int site and not Root)
            {
                int siteKey = KeyOf((int)_keys[site]);
                if (siteKey >= 0) self[siteKey] += _self[node].Get(kind);
                continue;
            }
            int key = KeyOf(f);
            if (key < 0) continue;
            self[key] += _self[node].Get(kind);
            int t = topmost[key];
            if (t >= 0 && depth[t] < d && path[depth[t]] == t) continue;   // already counted by an ancestor
            total[key] += totals[node];
            topmost[key] = node;
        }
        return (self, total);

        int KeyOf(int frame) => byFile ? _frames.GetFileStringId(frame) : _frames.GetFunctionStringId(frame);
    }

    /// <summary>The nearest ancestor on <paramref name="path"/> (above depth <paramref name="depth"/>) that is a real frame; the root when none is.</summary>
    private int AllocationSite(int[] path, int depth, bool[] types)
    {
        for (int d = depth - 1; d >= 1; d--)
            if (!types[(int)_keys[path[d]]]) return path[d];
        return Root;
    }
}
