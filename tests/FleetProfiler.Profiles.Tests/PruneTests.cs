namespace FleetProfiler.Profiles.Tests;

/// <summary>
/// <see cref="CallTree.Prune"/>: the cap counts every node, the root and the <c>[other]</c> nodes it creates.
/// </summary>
public class PruneTests
{
    private static CallTree Sample() => TestTrees.Cpu(
        "main;api;json 40",
        "main;api;db 30",
        "main;api;log 2",
        "main;gc 20",
        "main;timer;tick 5",
        "main;timer;other 3");

    [Fact]
    public void Prune_keeps_totals_exact()
    {
        var tree = Sample();
        SampleValues before = tree.Total;
        tree.Prune(6);
        Assert.Equal(before, tree.Total);
        Assert.Equal(before, tree.ComputeTotals()[CallTree.Root]);
        Assert.Equal(SampleValues.Cpu(72), TestTrees.TotalAt(tree, [new("main"), new("api")]));
    }

    [Fact]
    public void Prune_folds_smallest_subtrees_into_an_other_child_of_their_parent()
    {
        var tree = Sample();
        tree.Prune(6);
        // Best-first order: main, api, json, db, gc. Keeping root, main, api, json needs an [other] under api
        // (db + log) and one under main (gc + timer): 6 nodes. Keeping db too would need 7.
        Assert.Equal(6, tree.NodeCount);
        Assert.Equal(SampleValues.Cpu(32), TestTrees.TotalAt(tree, [new("main"), new("api"), Frame.Other]));
        Assert.Equal(SampleValues.Cpu(28), TestTrees.TotalAt(tree, [new("main"), Frame.Other]));
        Assert.Equal(SampleValues.Cpu(40), TestTrees.TotalAt(tree, [new("main"), new("api"), new("json")]));
    }

    [Fact]
    public void Prune_counts_root_and_other_nodes_toward_the_cap()
    {
        for (int cap = 2; cap <= 12; cap++)
        {
            var tree = Sample();
            tree.Prune(cap);
            Assert.InRange(tree.NodeCount, 2, cap);
            Assert.Equal(SampleValues.Cpu(100), tree.Total);
        }
    }

    [Fact]
    public void Prune_to_two_nodes_leaves_root_and_one_other()
    {
        var tree = Sample();
        tree.Prune(2);
        Assert.Equal(2, tree.NodeCount);
        Assert.True(tree.FrameOf(1).IsOther);
        Assert.Equal(SampleValues.Cpu(100), tree.SelfOf(1));
    }

    [Fact]
    public void Prune_does_nothing_when_the_tree_fits()
    {
        var tree = Sample();
        string before = TestTrees.Canonical(tree);
        Assert.Equal(0, tree.Prune(tree.NodeCount));
        Assert.Equal(before, TestTrees.Canonical(tree));
    }

    [Fact]
    public void Prune_rejects_a_cap_below_two()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample().Prune(1));
    }

    [Fact]
    public void Prune_again_after_more_data_merges_into_the_existing_other_node()
    {
        var tree = Sample();
        tree.Prune(6);
        tree.MergeFrom(TestTrees.Cpu("main;timer;tick 1", "main;api;json 1"));
        tree.Prune(6);
        Assert.True(tree.NodeCount <= 6);
        Assert.Equal(SampleValues.Cpu(102), tree.Total);
        Assert.Equal(SampleValues.Cpu(29), TestTrees.TotalAt(tree, [new("main"), Frame.Other]));
    }

    [Fact]
    public void Prune_by_kind_keeps_what_matters_for_that_kind()
    {
        var tree = new CallTree();
        tree.Add("main;cpuHeavy", SampleValues.Cpu(100));
        tree.Add("main;allocHeavy", SampleValues.Alloc(1_000_000, 10));
        tree.Add("main;small", new SampleValues(1, 0, 1, 1));
        var byAlloc = tree.Clone();
        byAlloc.Prune(4, ProfileKind.Alloc);
        Assert.NotNull(TestTrees.TotalAt(byAlloc, [new("main"), new("allocHeavy")]));
        Assert.Null(TestTrees.TotalAt(byAlloc, [new("main"), new("cpuHeavy")]));
        var byCpu = tree.Clone();
        byCpu.Prune(4, ProfileKind.Cpu);
        Assert.NotNull(TestTrees.TotalAt(byCpu, [new("main"), new("cpuHeavy")]));
    }

    [Fact]
    public void Prune_compacts_the_frame_table_by_default()
    {
        var tree = Sample();
        int framesBefore = tree.Frames.Count;
        tree.Prune(4);
        Assert.True(tree.Frames.Count < framesBefore);
        var kept = Sample();
        var table = kept.Frames;
        kept.Prune(4, compactFrames: false);
        Assert.Same(table, kept.Frames);
    }
}
