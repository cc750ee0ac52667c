namespace FleetProfiler.Profiles.Formats;

/// <summary>
/// Compares two profiles of one kind path by path. Each profile is normalized by its own total, so a
/// node's share is (value of the path) / (total of the profile) and profiles of different sizes
/// (more hosts, longer windows) compare fairly. Feeds <see cref="TreeFormat.Build(ProfileDiff, TreeOptions?)"/>
/// and <see cref="FlameGraphSvg.RenderDiff"/>.
/// </summary>
public sealed class ProfileDiff
{
    private readonly double[] _before;
    private readonly double[] _after;
    private readonly double[] _selfBefore;
    private readonly double[] _selfAfter;

    private ProfileDiff(CallTree tree, ProfileKind kind, long beforeTotal, long afterTotal,
        double[] before, double[] after, double[] selfBefore, double[] selfAfter)
    {
        Tree = tree;
        Kind = kind;
        BeforeTotal = beforeTotal;
        AfterTotal = afterTotal;
        _before = before;
        _after = after;
        _selfBefore = selfBefore;
        _selfAfter = selfAfter;
    }

    /// <summary>Every path of either profile (node ids index the share methods); node values are those of "after".</summary>
    public CallTree Tree { get; }

    /// <summary>The compared kind.</summary>
    public ProfileKind Kind { get; }

    /// <summary>Total value of the "before" profile.</summary>
    public long BeforeTotal { get; }

    /// <summary>Total value of the "after" profile.</summary>
    public long AfterTotal { get; }

    /// <summary>Share of the "before" total spent in <paramref name="node"/> and below (0..1).</summary>
    public double ShareBefore(int node) => _before[node];

    /// <summary>Share of the "after" total spent in <paramref name="node"/> and below (0..1).</summary>
    public double ShareAfter(int node) => _after[node];

    /// <summary><see cref="ShareAfter"/> − <see cref="ShareBefore"/>: positive grew, negative shrank.</summary>
    public double Delta(int node) => _after[node] - _before[node];

    /// <summary>Share of the "before" total spent in <paramref name="node"/> itself.</summary>
    public double SelfShareBefore(int node) => _selfBefore[node];

    /// <summary>Share of the "after" total spent in <paramref name="node"/> itself.</summary>
    public double SelfShareAfter(int node) => _selfAfter[node];

    /// <summary>
    /// Compares <paramref name="before"/> with <paramref name="after"/> for <paramref name="kind"/>.
    /// With <paramref name="ignoreLines"/> (default) frames compare by function and file only, so code that
    /// merely moved between versions does not show as changed.
    /// </summary>
    public static ProfileDiff Compute(CallTree before, CallTree after, ProfileKind kind, bool ignoreLines = true)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (ignoreLines)
        {
            before = before.MapFrames(static f => f with { Line = 0 });
            after = after.MapFrames(static f => f with { Line = 0 });
        }
        var union = new CallTree(new FrameTable(), Math.Max(after.NodeCount, before.NodeCount) + 16);
        int[] mapAfter = new int[after.NodeCount];
        int[] mapBefore = new int[before.NodeCount];
        union.MergeStructure(after, mapAfter, addValues: true);
        union.MergeStructure(before, mapBefore, addValues: false);

        int n = union.NodeCount;
        long beforeTotal = before.Total.Get(kind), afterTotal = after.Total.Get(kind);
        double[] selfBefore = Shares(before, mapBefore, n, kind, beforeTotal);
        double[] selfAfter = Shares(after, mapAfter, n, kind, afterTotal);
        return new ProfileDiff(union, kind, beforeTotal, afterTotal,
            Totals(union, selfBefore), Totals(union, selfAfter), selfBefore, selfAfter);
    }

    private static double[] Shares(CallTree source, int[] map, int n, ProfileKind kind, long total)
    {
        var shares = new double[n];
        if (total == 0) return shares;
        ReadOnlySpan<SampleValues> self = source.Self;
        for (int i = 0; i < self.Length; i++) shares[map[i]] += (double)self[i].Get(kind) / total;
        return shares;
    }

    private static double[] Totals(CallTree tree, double[] self)
    {
        var totals = (double[])self.Clone();
        ReadOnlySpan<long> keys = tree.Keys;
        for (int i = keys.Length - 1; i > 0; i--) totals[(int)(keys[i] >> 32)] += totals[i];
        return totals;
    }
}
