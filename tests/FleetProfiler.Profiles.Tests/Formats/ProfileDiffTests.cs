namespace FleetProfiler.Profiles.Tests.Formats;

public class ProfileDiffTests
{
    private static ProfileDiff Example() => ProfileDiff.Compute(
        TestTrees.Cpu("main;a 60", "main;b 40"),
        TestTrees.Cpu("main;a 100", "main;b 50", "main;c 50"),   // twice as many samples: shares normalize
        ProfileKind.Cpu);

    private static int Node(ProfileDiff diff, params string[] path)
    {
        var ids = path.Select(n => { Assert.True(diff.Tree.Frames.TryGetId(new Frame(n), out int id)); return id; }).ToArray();
        Assert.True(diff.Tree.TryFindNode(ids, out int node));
        return node;
    }

    [Fact]
    public void Shares_are_normalized_by_each_profile_total()
    {
        var diff = Example();
        Assert.Equal(100, diff.BeforeTotal);
        Assert.Equal(200, diff.AfterTotal);
        int main = Node(diff, "main"), a = Node(diff, "main", "a"), b = Node(diff, "main", "b"), c = Node(diff, "main", "c");
        Assert.Equal(1.0, diff.ShareBefore(main), 9);
        Assert.Equal(1.0, diff.ShareAfter(main), 9);
        Assert.Equal(0.0, diff.Delta(main), 9);
        Assert.Equal(0.6, diff.ShareBefore(a), 9);
        Assert.Equal(0.5, diff.ShareAfter(a), 9);
        Assert.Equal(-0.1, diff.Delta(a), 9);
        Assert.Equal(-0.15, diff.Delta(b), 9);
        Assert.Equal(0.0, diff.ShareBefore(c), 9);
        Assert.Equal(0.25, diff.Delta(c), 9);
        Assert.Equal(0.25, diff.SelfShareAfter(c), 9);
        Assert.Equal(0.0, diff.SelfShareAfter(main), 9);
    }

    [Fact]
    public void Tree_holds_every_path_of_both_profiles_with_after_values()
    {
        var diff = ProfileDiff.Compute(TestTrees.Cpu("main;gone 5"), TestTrees.Cpu("main;new 7"), ProfileKind.Cpu);
        Assert.Equal(4, diff.Tree.NodeCount);   // root, main, gone, new
        Assert.Equal(SampleValues.Cpu(7), diff.Tree.Total);
        int gone = Node(diff, "main", "gone");
        Assert.Equal(1.0, diff.ShareBefore(gone), 9);
        Assert.Equal(0.0, diff.ShareAfter(gone), 9);
    }

    [Fact]
    public void Frames_that_only_moved_lines_compare_equal_by_default()
    {
        var before = new CallTree();
        before.Add([new Frame("main", "p.cs", 1), new Frame("f", "f.cs", 10)], SampleValues.Cpu(4));
        var after = new CallTree();
        after.Add([new Frame("main", "p.cs", 2), new Frame("f", "f.cs", 12)], SampleValues.Cpu(8));
        var diff = ProfileDiff.Compute(before, after, ProfileKind.Cpu);
        Assert.Equal(3, diff.Tree.NodeCount);
        Assert.All(Enumerable.Range(0, 3), n => Assert.Equal(0.0, diff.Delta(n), 9));
        var strict = ProfileDiff.Compute(before, after, ProfileKind.Cpu, ignoreLines: false);
        Assert.Equal(5, strict.Tree.NodeCount);
    }

    [Fact]
    public void Empty_before_profile_gives_zero_before_shares()
    {
        var diff = ProfileDiff.Compute(new CallTree(), TestTrees.Cpu("a 3"), ProfileKind.Cpu);
        Assert.Equal(0.0, diff.ShareBefore(CallTree.Root));
        Assert.Equal(1.0, diff.ShareAfter(CallTree.Root), 9);
    }
}
