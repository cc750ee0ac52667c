using System.Text.Json;

namespace FleetProfiler.Profiles.Tests.Formats;

public class TreeFormatTests
{
    private static CallTree Sample()
    {
        var tree = new CallTree();
        tree.Add([new Frame("main", "Program.cs", 5), new Frame("small")], SampleValues.Cpu(2));
        tree.Add([new Frame("main", "Program.cs", 5), new Frame("big"), new Frame("leaf")], SampleValues.Cpu(90));
        tree.Add([new Frame("main", "Program.cs", 5)], SampleValues.Cpu(8));
        return tree;
    }

    [Fact]
    public void Build_gives_self_total_and_children_largest_first()
    {
        TreeNode root = TreeFormat.Build(Sample(), ProfileKind.Cpu);
        Assert.Equal("all", root.Name);
        Assert.Equal(100, root.Total);
        TreeNode main = Assert.Single(root.Children);
        Assert.Equal(("main", "Program.cs", (int?)5, 8L, 100L), (main.Name, main.File, main.Line, main.Self, main.Total));
        Assert.Equal(new[] { "big", "small" }, main.Children.Select(c => c.Name));
        Assert.Null(main.Children[1].File);
        Assert.Null(main.Children[1].Line);
        Assert.Null(root.Before);
    }

    [Fact]
    public void Max_depth_cuts_deeper_levels_but_totals_stay_true()
    {
        TreeNode root = TreeFormat.Build(Sample(), ProfileKind.Cpu, new TreeOptions(MaxDepth: 2));
        TreeNode big = root.Children[0].Children[0];
        Assert.Equal("big", big.Name);
        Assert.Empty(big.Children);
        Assert.Equal(90, big.Total);
    }

    [Fact]
    public void Min_share_drops_small_nodes()
    {
        TreeNode root = TreeFormat.Build(Sample(), ProfileKind.Cpu, new TreeOptions(MinShare: 0.05));
        Assert.Equal(new[] { "big" }, root.Children[0].Children.Select(c => c.Name));
    }

    [Fact]
    public void Json_has_the_documented_fields()
    {
        using var doc = JsonDocument.Parse(TreeFormat.ToJson(TreeFormat.Build(Sample(), ProfileKind.Cpu)));
        var main = doc.RootElement.GetProperty("children")[0];
        Assert.Equal("main", main.GetProperty("name").GetString());
        Assert.Equal("Program.cs", main.GetProperty("file").GetString());
        Assert.Equal(5, main.GetProperty("line").GetInt32());
        Assert.Equal(8, main.GetProperty("self").GetInt64());
        Assert.Equal(100, main.GetProperty("total").GetInt64());
        Assert.False(main.GetProperty("children")[1].TryGetProperty("file", out _));
    }

    [Fact]
    public void Diff_tree_carries_before_and_after_shares()
    {
        var diff = ProfileDiff.Compute(TestTrees.Cpu("main;a 3", "main;b 1"), TestTrees.Cpu("main;a 1", "main;b 1"), ProfileKind.Cpu);
        TreeNode root = TreeFormat.Build(diff);
        TreeNode a = root.Children[0].Children.Single(c => c.Name == "a");
        Assert.Equal(0.75, a.Before!.Value, 9);
        Assert.Equal(0.5, a.After!.Value, 9);
        Assert.Equal(1, a.Total);
        using var doc = JsonDocument.Parse(TreeFormat.ToJson(root));
        Assert.Equal(1.0, doc.RootElement.GetProperty("after").GetDouble(), 9);
    }

    [Fact]
    public void Deep_trees_build_and_serialize_without_recursion_limits()
    {
        var tree = new CallTree();
        int f = tree.Frames.Intern("r");
        tree.Add(Enumerable.Repeat(f, 900).ToArray(), SampleValues.Cpu(1));
        string json = TreeFormat.ToJson(TreeFormat.Build(tree, ProfileKind.Cpu));
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4096 });
        Assert.Equal(1, doc.RootElement.GetProperty("total").GetInt64());
    }
}
