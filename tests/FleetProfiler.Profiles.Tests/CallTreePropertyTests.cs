using FsCheck.Xunit;

namespace FleetProfiler.Profiles.Tests;

/// <summary>Algebraic laws of <see cref="CallTree"/>, checked on generated profiles with fixed seeds (deterministic).</summary>
[Properties(Arbitrary = [typeof(ProfileArbitraries)], MaxTest = 150, Replay = "(20251001,1357911)")]
public class CallTreePropertyTests
{
    [Property]
    public void Merge_is_commutative(ProfileInput a, ProfileInput b)
    {
        var ab = a.Build();
        ab.MergeFrom(b.Build());
        var ba = b.Build();
        ba.MergeFrom(a.Build());
        Assert.Equal(TestTrees.Canonical(ab), TestTrees.Canonical(ba));
        Assert.Equal(ab.Total, ba.Total);
    }

    [Property]
    public void Merge_is_associative(ProfileInput a, ProfileInput b, ProfileInput c)
    {
        var left = a.Build();
        left.MergeFrom(b.Build());
        left.MergeFrom(c.Build());

        var bc = b.Build();
        bc.MergeFrom(c.Build());
        var right = a.Build();
        right.MergeFrom(bc);

        Assert.Equal(TestTrees.Canonical(left), TestTrees.Canonical(right));
        Assert.Equal(left.Total, right.Total);
    }

    [Property]
    public void Merge_equals_adding_all_samples_to_one_tree(ProfileInput a, ProfileInput b)
    {
        var merged = a.Build();
        merged.MergeFrom(b.Build());
        var direct = b.AddTo(a.Build());
        Assert.Equal(TestTrees.Canonical(direct), TestTrees.Canonical(merged));
    }

    [Property]
    public void Add_then_subtract_is_identity(ProfileInput a, ProfileInput b)
    {
        var original = a.Build();
        var tree = a.Build();
        var window = b.Build();
        tree.MergeFrom(window);
        tree.Subtract(window);
        Assert.Equal(TestTrees.Canonical(original), TestTrees.Canonical(tree));
        Assert.Equal(original.Total, tree.Total);
        Assert.True(tree.NodeCount <= original.NodeCount, "subtract removes emptied subtrees");
    }

    [Property]
    public void Subtract_after_prune_keeps_totals_exact(ProfileInput a, ProfileInput b, byte cap)
    {
        var window = b.Build();
        var tree = a.Build();
        tree.MergeFrom(window);
        tree.Prune(2 + cap % 20);
        tree.Subtract(window);
        Assert.Equal(a.Build().Total, tree.Total);
        SampleValues[] totals = tree.ComputeTotals();
        Assert.Equal(tree.Total, totals[CallTree.Root]);
    }

    [Property]
    public void Prune_keeps_totals_exact_and_respects_max_nodes(ProfileInput a, byte cap)
    {
        int maxNodes = 2 + cap % 30;
        var original = a.Build();
        var pruned = a.Build();
        pruned.Prune(maxNodes);

        Assert.True(pruned.NodeCount <= Math.Max(maxNodes, 1), $"{pruned.NodeCount} nodes > cap {maxNodes}");
        Assert.Equal(original.Total, pruned.Total);
        SampleValues[] totals = pruned.ComputeTotals();
        Assert.Equal(original.Total, totals[CallTree.Root]);
        for (int node = 1; node < pruned.NodeCount; node++)
        {
            var path = TestTrees.PathOf(pruned, node);
            if (path.Any(f => f.IsOther)) continue;
            Assert.Equal(TestTrees.TotalAt(original, path), totals[node]);   // every kept path keeps its exact total
        }
    }

    [Property]
    public void Clone_equals_original_and_is_independent(ProfileInput a, ProfileInput b)
    {
        var tree = a.Build();
        string before = TestTrees.Canonical(tree);
        var clone = tree.Clone();
        Assert.Equal(before, TestTrees.Canonical(clone));
        b.AddTo(clone);
        Assert.Equal(before, TestTrees.Canonical(tree));
    }

    [Property]
    public void Codec_round_trips(ProfileInput a, bool compress)
    {
        var tree = a.Build();
        var decoded = CallTreeCodec.Deserialize(CallTreeCodec.Serialize(tree, compress));
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(decoded));
        Assert.Equal(tree.Total, decoded.Total);
        Assert.Equal(tree.NodeCount, decoded.NodeCount);
    }

    [Property]
    public void Folded_round_trips(ProfileInput a)
    {
        var tree = a.Build();
        string folded = FoldedFormat.Write(tree, ProfileKind.Wall);
        var parsed = FoldedFormat.Parse(folded, ProfileKind.Wall);
        Assert.Equal(folded, FoldedFormat.Write(parsed, ProfileKind.Wall));
        // The root's own values (samples with an empty stack) have no folded line.
        Assert.Equal(tree.Total.WallSamples - tree.SelfOf(CallTree.Root).WallSamples, parsed.Total.WallSamples);
    }

    [Property]
    public void Top_function_selfs_sum_to_the_total_and_totals_never_exceed_it(ProfileInput a)
    {
        var tree = a.Build();
        var top = tree.TopFunctions(ProfileKind.Cpu, int.MaxValue);
        long rootSelf = tree.SelfOf(CallTree.Root).CpuSamples;
        Assert.Equal(tree.Total.CpuSamples - rootSelf, top.Sum(f => f.Self));
        Assert.All(top, f => Assert.InRange(f.Total, f.Self, tree.Total.CpuSamples));
    }
}
