using System.Text.Json;

namespace FleetProfiler.Profiles.Tests.Formats;

public class FlameTreeTests
{
    // all(100) → main(100) → big(90) → leaf(90); main → small(2); main self 8; alloc-only → nothing in cpu.
    private static CallTree Sample()
    {
        var tree = new CallTree();
        tree.Add([new Frame("main", "Program.cs", 5), new Frame("small")], SampleValues.Cpu(2));
        tree.Add([new Frame("main", "Program.cs", 5), new Frame("big"), new Frame("leaf")], SampleValues.Cpu(90));
        tree.Add([new Frame("main", "Program.cs", 5)], SampleValues.Cpu(8));
        tree.Add([new Frame("main", "Program.cs", 5), new Frame("allocOnly")], SampleValues.Alloc(4096, 1));
        return tree;
    }

    private static string[] Names(FlameTree f) => [.. Enumerable.Range(0, f.Count).Select(i => f.Strings[f.Name[i]])];

    [Fact]
    public void Nodes_are_in_preorder_heaviest_sibling_first_with_offsets_and_exact_values()
    {
        var f = FlameTree.Build(Sample(), ProfileKind.Cpu);
        Assert.Equal(["all", "main", "big", "leaf", "small"], Names(f));
        Assert.Equal([-1, 0, 1, 2, 1], f.Parent.Take(f.Count));
        Assert.Equal([0L, 0, 0, 0, 90], f.Offset.Take(f.Count));
        Assert.Equal([100L, 100, 90, 90, 2], f.Total.Take(f.Count));
        Assert.Equal([0L, 8, 0, 90, 2], f.Self.Take(f.Count));
        Assert.Equal("Program.cs", f.Strings[f.File[1]]);
        Assert.Equal(5, f.Line[1]);
        Assert.Equal(-1, f.File[2]);
        Assert.Equal(0, f.FoldedNodes);
    }

    [Fact]
    public void Frames_without_value_of_the_kind_are_left_out()
    {
        var cpu = FlameTree.Build(Sample(), ProfileKind.Cpu);
        Assert.DoesNotContain("allocOnly", Names(cpu));
        var alloc = FlameTree.Build(Sample(), ProfileKind.Alloc);
        Assert.Equal(["all", "main", "allocOnly"], Names(alloc));
        Assert.Equal(4096, alloc.Total[0]);
    }

    [Fact]
    public void The_cap_folds_the_lightest_subtrees_into_other_and_keeps_every_total()
    {
        var tree = new CallTree();
        for (int i = 0; i < 50; i++) tree.Add([new Frame("main"), new Frame($"f{i:D2}")], SampleValues.Cpu(100 - i));
        long total = tree.Total.CpuSamples;

        var f = FlameTree.Build(tree, ProfileKind.Cpu, maxNodes: 10);

        Assert.True(f.Count <= 10, $"{f.Count} nodes");
        var names = Names(f);
        Assert.Equal("[other]", names[^1]);
        Assert.Equal(["f00", "f01", "f02", "f03", "f04", "f05", "f06"], names[2..^1]);
        long kept = Enumerable.Range(2, f.Count - 3).Sum(i => f.Total[i]);
        Assert.Equal(total - kept, f.Total[f.Count - 1]);
        Assert.Equal(f.Offset[f.Count - 2] + f.Total[f.Count - 2], f.Offset[f.Count - 1]);
        Assert.Equal(total, f.Total[0]);
        Assert.Equal(50 - 7, f.FoldedNodes);
    }

    [Fact]
    public void Every_child_lies_within_its_parent_on_a_capped_random_tree()
    {
        var random = new Random(11);
        var tree = new CallTree();
        for (int s = 0; s < 3000; s++)
        {
            var depth = random.Next(1, 12);
            var stack = Enumerable.Range(0, depth).Select(d => new Frame($"f{d}_{random.Next(0, 4)}")).ToArray();
            tree.Add(stack, SampleValues.Cpu(random.Next(1, 20)));
        }
        var f = FlameTree.Build(tree, ProfileKind.Cpu, maxNodes: 500);
        Assert.True(f.Count <= 500);
        Assert.True(f.FoldedNodes > 0);
        var childSum = new long[f.Count];
        for (int i = 1; i < f.Count; i++)
        {
            int p = f.Parent[i];
            Assert.True(p < i, "parents come first");
            Assert.True(f.Offset[i] >= f.Offset[p] && f.Offset[i] + f.Total[i] <= f.Offset[p] + f.Total[p], $"node {i} outside its parent");
            childSum[p] += f.Total[i];
        }
        for (int i = 0; i < f.Count; i++) Assert.Equal(f.Total[i], f.Self[i] + childSum[i]);
    }

    [Fact]
    public void A_diff_lays_out_by_mean_share_and_keeps_frames_that_vanished()
    {
        var before = new CallTree();
        before.Add([new Frame("main"), new Frame("old")], SampleValues.Cpu(50));
        before.Add([new Frame("main"), new Frame("both")], SampleValues.Cpu(50));
        var after = new CallTree();
        after.Add([new Frame("main"), new Frame("both")], SampleValues.Cpu(200));

        var f = FlameTree.Build(ProfileDiff.Compute(before, after, ProfileKind.Cpu));

        var names = Names(f);
        int both = Array.IndexOf(names, "both"), old = Array.IndexOf(names, "old");
        Assert.Equal((0.5, 1.0), (f.Before![both], f.After![both]));
        Assert.Equal((0.5, 0.0), (f.Before[old], f.After[old]));
        Assert.Equal(FlameTree.DiffScale * 3 / 4, f.Total[both]);
        Assert.Equal(FlameTree.DiffScale / 4, f.Total[old]);
        Assert.Equal(FlameTree.DiffScale, f.Total[0]);
    }

    [Fact]
    public void Json_has_one_array_per_field_and_a_string_table()
    {
        var f = FlameTree.Build(Sample(), ProfileKind.Cpu);
        using var doc = JsonDocument.Parse(f.ToUtf8Json());
        var root = doc.RootElement;
        Assert.Equal(5, root.GetProperty("nodes").GetInt32());
        Assert.Equal(100, root.GetProperty("rootTotal").GetInt64());
        foreach (var field in new[] { "name", "file", "line", "parent", "offset", "self", "total" })
            Assert.Equal(5, root.GetProperty(field).GetArrayLength());
        Assert.False(root.TryGetProperty("before", out _));
        var strings = root.GetProperty("strings").EnumerateArray().Select(s => s.GetString()).ToArray();
        Assert.Equal(strings.Length, strings.Distinct().Count());
        Assert.Equal(["all", "main", "big", "leaf", "small"], root.GetProperty("name").EnumerateArray().Select(n => strings[n.GetInt32()]));
        Assert.Equal([0L, 8, 0, 90, 2], root.GetProperty("self").EnumerateArray().Select(n => n.GetInt64()));
    }
}
