namespace FleetProfiler.Profiles.Tests;

public class CallTreeTests
{
    [Fact]
    public void New_tree_has_only_the_root()
    {
        var tree = new CallTree();
        Assert.Equal(1, tree.NodeCount);
        Assert.Equal(SampleValues.Zero, tree.Total);
        Assert.Equal(-1, tree.ParentOf(CallTree.Root));
        Assert.Equal(-1, tree.FrameIdOf(CallTree.Root));
    }

    [Fact]
    public void Add_merges_identical_stacks_into_one_path()
    {
        var tree = TestTrees.Cpu("a;b;c 2", "a;b;c 3", "a;b 1", "a;d 4");
        Assert.Equal(5, tree.NodeCount);   // root, a, b, c, d
        Assert.Equal(SampleValues.Cpu(10), tree.Total);
        Assert.Equal("a@:0;b@:0 1 0 0 0\na@:0;b@:0;c@:0 5 0 0 0\na@:0;d@:0 4 0 0 0\n", TestTrees.Canonical(tree));
    }

    [Fact]
    public void ComputeTotals_adds_descendants_to_each_node()
    {
        var tree = TestTrees.Cpu("a;b;c 2", "a;b 1", "a;d 4");
        long[] totals = tree.ComputeTotals(ProfileKind.Cpu);
        Assert.True(tree.TryFindNode([tree.Frames.Intern("a")], out int a));
        Assert.True(tree.TryFindNode([tree.Frames.Intern("a"), tree.Frames.Intern("b")], out int b));
        Assert.Equal(7, totals[CallTree.Root]);
        Assert.Equal(7, totals[a]);
        Assert.Equal(3, totals[b]);
        Assert.Equal(SampleValues.Cpu(1), tree.SelfOf(b));
    }

    [Fact]
    public void AddLeafFirst_matches_root_first()
    {
        var frames = new FrameTable();
        int a = frames.Intern("a"), b = frames.Intern("b"), c = frames.Intern("c");
        var rootFirst = new CallTree(frames);
        rootFirst.Add([a, b, c], SampleValues.Wall(3));
        var leafFirst = new CallTree(frames);
        leafFirst.AddLeafFirst([c, b, a], SampleValues.Wall(3));
        Assert.Equal(TestTrees.Canonical(rootFirst), TestTrees.Canonical(leafFirst));
    }

    [Fact]
    public void GetOrAddNode_then_AddToNode_equals_Add()
    {
        var frames = new FrameTable();
        int a = frames.Intern("a"), b = frames.Intern("b");
        var viaNode = new CallTree(frames);
        int node = viaNode.GetOrAddNode([a, b]);
        viaNode.AddToNode(node, SampleValues.Alloc(100, 1));
        viaNode.AddToNode(node, SampleValues.Alloc(50, 1));
        var viaAdd = new CallTree(frames);
        viaAdd.Add([a, b], SampleValues.Alloc(150, 2));
        Assert.Equal(TestTrees.Canonical(viaAdd), TestTrees.Canonical(viaNode));
        Assert.Equal(viaAdd.Total, viaNode.Total);
    }

    [Fact]
    public void Add_rejects_frame_ids_outside_the_table()
    {
        var tree = new CallTree();
        tree.Frames.Intern("a");
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.Add([0, 1], SampleValues.Cpu(1)));
        Assert.Equal(1, tree.NodeCount);   // ids are checked before anything is added
    }

    [Fact]
    public void Empty_stack_adds_to_the_root()
    {
        var tree = new CallTree();
        tree.Add(ReadOnlySpan<int>.Empty, SampleValues.Cpu(2));
        Assert.Equal(SampleValues.Cpu(2), tree.SelfOf(CallTree.Root));
        Assert.Equal(SampleValues.Cpu(2), tree.Total);
    }

    [Fact]
    public void MergeFrom_remaps_frames_of_another_table()
    {
        var target = TestTrees.Cpu("x;y 1");
        var source = new CallTree();
        source.Add([new Frame("y", "f.cs", 3), new Frame("x")], SampleValues.Cpu(5));
        source.AddCpu("x;y", 2);
        target.MergeFrom(source);
        Assert.Equal("x@:0;y@:0 3 0 0 0\ny@f.cs:3;x@:0 5 0 0 0\n", TestTrees.Canonical(target));
        Assert.Equal(SampleValues.Cpu(8), target.Total);
    }

    [Fact]
    public void MergeFrom_a_tree_sharing_the_frame_table_needs_no_remap()
    {
        var frames = new FrameTable();
        var a = new CallTree(frames).AddCpu("a;b", 1);
        var b = new CallTree(frames).AddCpu("a;c", 2);
        int framesBefore = frames.Count;
        a.MergeFrom(b);
        Assert.Equal(framesBefore, frames.Count);
        Assert.Equal("a@:0;b@:0 1 0 0 0\na@:0;c@:0 2 0 0 0\n", TestTrees.Canonical(a));
    }

    [Fact]
    public void MergeFrom_itself_doubles_every_value()
    {
        var tree = TestTrees.Cpu("a;b 2", "a 1");
        tree.MergeFrom(tree);
        Assert.Equal("a@:0 2 0 0 0\na@:0;b@:0 4 0 0 0\n", TestTrees.Canonical(tree));
        Assert.Equal(SampleValues.Cpu(6), tree.Total);
    }

    [Fact]
    public void Subtract_removes_subtrees_that_become_empty()
    {
        var tree = TestTrees.Cpu("a;b;c 2", "a;d 4");
        tree.Subtract(TestTrees.Cpu("a;b;c 2"));
        Assert.Equal(3, tree.NodeCount);   // root, a, d
        Assert.Equal("a@:0;d@:0 4 0 0 0\n", TestTrees.Canonical(tree));
    }

    [Fact]
    public void Subtract_of_a_path_folded_by_prune_comes_out_of_the_other_node()
    {
        var window = TestTrees.Cpu("main;rare;leaf 1");
        var tree = TestTrees.Cpu("main;hot 100", "main;warm 50");
        tree.MergeFrom(window);
        tree.Prune(4, compactFrames: false);   // root, main, hot, [other] ("warm" and "rare" folded)
        tree.Subtract(window);
        Assert.Equal(SampleValues.Cpu(150), tree.Total);
        Assert.Equal(SampleValues.Cpu(50), TestTrees.TotalAt(tree, [new("main"), Frame.Other]));
    }

    [Fact]
    public void Subtract_of_itself_empties_the_tree()
    {
        var tree = TestTrees.Cpu("a;b 3");
        tree.Subtract(tree);
        Assert.Equal(1, tree.NodeCount);
        Assert.Equal(SampleValues.Zero, tree.Total);
    }

    [Fact]
    public void Clone_shares_frames_but_not_nodes()
    {
        var tree = TestTrees.Cpu("a;b 1");
        var clone = tree.Clone();
        clone.AddCpu("a;c", 5);
        Assert.Same(tree.Frames, clone.Frames);
        Assert.Equal(3, tree.NodeCount);
        Assert.Equal(4, clone.NodeCount);
        Assert.Equal(SampleValues.Cpu(1), tree.Total);
    }

    [Fact]
    public void CompactFrames_keeps_only_used_frames_and_the_same_stacks()
    {
        var frames = new FrameTable();
        frames.Intern("unused1");
        var tree = new CallTree(frames).AddCpu("a;b", 1);
        frames.Intern("unused2");
        string before = TestTrees.Canonical(tree);
        tree.CompactFrames();
        Assert.NotSame(frames, tree.Frames);
        Assert.Equal(2, tree.Frames.Count);
        Assert.Equal(before, TestTrees.Canonical(tree));
        tree.AddCpu("a;b", 1);   // lookups work after the rehash
        Assert.Equal(3, tree.NodeCount);
    }

    [Fact]
    public void MapFrames_without_lines_merges_frames_that_differ_only_by_line()
    {
        var tree = new CallTree();
        tree.Add([new Frame("f", "a.cs", 1)], SampleValues.Cpu(1));
        tree.Add([new Frame("f", "a.cs", 2)], SampleValues.Cpu(2));
        var byFunction = tree.MapFrames(f => f with { Line = 0 });
        Assert.Equal(2, byFunction.NodeCount);
        Assert.Equal("f@a.cs:0 3 0 0 0\n", TestTrees.Canonical(byFunction));
    }

    [Fact]
    public void Deep_stacks_do_not_recurse()
    {
        var tree = new CallTree();
        int f = tree.Frames.Intern("recurse");
        int[] stack = Enumerable.Repeat(f, 50_000).ToArray();
        tree.Add(stack, SampleValues.Cpu(1));
        Assert.Equal(50_001, tree.NodeCount);
        Assert.Single(FoldedFormat.Write(tree, ProfileKind.Cpu).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(1, tree.TopFunctions(ProfileKind.Cpu, 1)[0].Total);
    }

    [Fact]
    public void Growth_beyond_initial_capacity_keeps_every_node_findable()
    {
        var tree = new CallTree(new FrameTable(), capacity: 4);
        var ids = Enumerable.Range(0, 3000).Select(i => tree.Frames.Intern($"f{i}")).ToArray();
        foreach (int id in ids) tree.Add([ids[0], id], SampleValues.Cpu(1));
        Assert.Equal(3002, tree.NodeCount);   // root, f0 and its 3000 children (f0 itself included)
        foreach (int id in ids) Assert.True(tree.TryFindNode([ids[0], id], out _));
        Assert.Equal(3000, tree.Total.CpuSamples);
    }
}
