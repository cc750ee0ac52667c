namespace FleetProfiler.Profiles;

/// <summary>Self and total of one function (by name) in a tree, for one profile kind.</summary>
/// <param name="Function">Function name.</param>
/// <param name="Self">Value of stacks whose leaf is this function.</param>
/// <param name="Total">Value of stacks containing this function, each counted once even under recursion.</param>
public sealed record FunctionStats(string Function, long Self, long Total);

/// <summary>Self and total of one source file in a tree, for one profile kind.</summary>
/// <param name="File">Source file path as symbolized.</param>
/// <param name="Self">Value of stacks whose leaf frame is in this file.</param>
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
    /// Frames group by function name (lines and files ignored). Ties order by name.
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
    /// Frames without a file are not counted. Ties order by path.
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
        foreach (int node in order)
        {
            if (node == Root) continue;
            int d = depth[node];
            path[d] = node;
            int f = (int)_keys[node];
            int key = byFile ? _frames.GetFileStringId(f) : _frames.GetFunctionStringId(f);
            if (key < 0) continue;
            self[key] += _self[node].Get(kind);
            int t = topmost[key];
            if (t >= 0 && depth[t] < d && path[depth[t]] == t) continue;   // already counted by an ancestor
            total[key] += totals[node];
            topmost[key] = node;
        }
        return (self, total);
    }
}
