namespace FleetProfiler.Profiles.Tests;

public class TopTests
{
    [Fact]
    public void TopFunctions_counts_a_recursive_function_once_per_stack()
    {
        var tree = TestTrees.Cpu(
            "main;walk;walk;walk;visit 10",
            "main;walk;walk 5",
            "main;other;walk 2");
        var top = tree.TopFunctions(ProfileKind.Cpu, 10, RankBy.Total);
        var walk = top.Single(f => f.Function == "walk");
        Assert.Equal(17, walk.Total);   // 10 + 5 + 2, not 10*3 + 5*2 + 2
        Assert.Equal(7, walk.Self);     // main;walk;walk and main;other;walk
        Assert.Equal(new FunctionStats("main", 0, 17), top.Single(f => f.Function == "main"));
        Assert.Equal(10, top.Single(f => f.Function == "visit").Self);
    }

    [Fact]
    public void TopFunctions_recursion_through_another_function_is_still_counted_once()
    {
        var tree = TestTrees.Cpu("a;b;a;b;a 4", "a;b 1");
        var top = tree.TopFunctions(ProfileKind.Cpu, 10, RankBy.Total);
        Assert.Equal(new FunctionStats("a", 4, 5), top.Single(f => f.Function == "a"));
        Assert.Equal(new FunctionStats("b", 1, 5), top.Single(f => f.Function == "b"));
    }

    [Fact]
    public void TopFunctions_groups_frames_of_one_function_with_different_lines()
    {
        var tree = new CallTree();
        tree.Add([new Frame("main"), new Frame("f", "f.cs", 1)], SampleValues.Cpu(3));
        tree.Add([new Frame("main"), new Frame("f", "f.cs", 2)], SampleValues.Cpu(4));
        Assert.Equal(new FunctionStats("f", 7, 7), tree.TopFunctions(ProfileKind.Cpu, 1)[0]);
    }

    [Fact]
    public void TopFunctions_orders_by_self_then_total_then_name_and_takes_n()
    {
        var tree = TestTrees.Cpu("r;b 5", "r;a 5", "r;c 9", "r;d 1");
        var top = tree.TopFunctions(ProfileKind.Cpu, 3);
        Assert.Equal(new[] { "c", "a", "b" }, top.Select(f => f.Function));
    }

    [Fact]
    public void TopFunctions_uses_the_main_value_of_the_kind()
    {
        var tree = new CallTree();
        tree.Add("main;alloc", SampleValues.Alloc(4096, 2));
        tree.Add("main;spin", SampleValues.Cpu(9));
        Assert.Equal("alloc", tree.TopFunctions(ProfileKind.Alloc, 1)[0].Function);
        Assert.Equal(4096, tree.TopFunctions(ProfileKind.Alloc, 1)[0].Self);
        Assert.Equal("spin", tree.TopFunctions(ProfileKind.Cpu, 1)[0].Function);
        Assert.Empty(tree.TopFunctions(ProfileKind.Wall, 5));
    }

    [Fact]
    public void TopFiles_sums_self_by_source_file_and_skips_frames_without_one()
    {
        var tree = new CallTree();
        Frame main = new("main", "Program.cs", 1), parse = new("Parse", "Parser.cs", 10), lex = new("Lex", "Parser.cs", 80), native = new("memcpy");
        tree.Add([main, parse, lex], SampleValues.Cpu(6));
        tree.Add([main, parse], SampleValues.Cpu(3));
        tree.Add([main, native], SampleValues.Cpu(4));
        tree.Add([main], SampleValues.Cpu(1));
        var files = tree.TopFiles(ProfileKind.Cpu, 10);
        Assert.Equal(
            new[] { new FileStats("Parser.cs", 9, 9), new FileStats("Program.cs", 1, 14) },
            files);
    }

    [Fact]
    public void TopFiles_ranked_by_total_counts_the_files_of_callers()
    {
        var tree = new CallTree();
        tree.Add([new Frame("main", "Program.cs", 1), new Frame("work", "Work.cs", 2)], SampleValues.Wall(10));
        tree.Add([new Frame("main", "Program.cs", 1), new Frame("idle")], SampleValues.Wall(5));
        var files = tree.TopFiles(ProfileKind.Wall, 1, RankBy.Total);
        Assert.Equal(new FileStats("Program.cs", 0, 15), Assert.Single(files));
    }
}
