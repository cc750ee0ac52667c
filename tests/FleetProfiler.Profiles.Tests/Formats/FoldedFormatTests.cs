namespace FleetProfiler.Profiles.Tests.Formats;

public class FoldedFormatTests
{
    private static readonly Frame Main = new("App!Program.Main()", "src/Program.cs", 10);
    private static readonly Frame Handle = new("App!Orders.Handle()", "src/Orders.cs", 42);

    /// <summary>What the agent and the gateway both see of one small process: lines, a native frame, an odd name, an allocation.</summary>
    private static CallTree Process()
    {
        var tree = new CallTree();
        tree.Add([Main, Handle, new Frame("App!PrimeSieve.IsPrime(int32)", "src/PrimeSieve.cs", 23)], SampleValues.Cpu(7));
        tree.Add([Main, Handle, new Frame("App!PrimeSieve.IsPrime(int32)", "src/PrimeSieve.cs", 24)], SampleValues.Cpu(3));
        tree.Add([Main, new Frame("libcoreclr!0x7f12a0")], SampleValues.Cpu(3));
        tree.Add([Main, new Frame("App!Odd;Name", "src/Odd.cs", 1)], SampleValues.Cpu(1));
        tree.Add([Main, Handle, new Frame("App!Report.Build(int32)", "src/Report.cs"), Frame.AllocatedType("System.Double[]")], SampleValues.Alloc(4096, 2));
        return tree;
    }

    private static string Golden(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", name)).ReplaceLineEndings("\n");

    [Fact]
    public void Write_with_source_locations_largest_first_matches_the_golden_text()
    {
        var text = FoldedFormat.Write(Process(), ProfileKind.Cpu, new FoldedOptions { SourceLocations = true, LargestFirst = true });
        Assert.Equal(Golden("folded-with-source-locations.expected.txt"), text);
    }

    [Fact]
    public void Write_of_names_only_in_canonical_order_matches_the_golden_text()
    {
        Assert.Equal(Golden("folded-names-only.expected.txt"), FoldedFormat.Write(Process(), ProfileKind.Cpu));
    }

    [Fact]
    public void Write_with_source_locations_ends_allocation_stacks_with_the_allocated_type()
    {
        var text = FoldedFormat.Write(Process(), ProfileKind.Alloc, new FoldedOptions { SourceLocations = true });
        Assert.Equal("App!Program.Main() (src/Program.cs:10);App!Orders.Handle() (src/Orders.cs:42);App!Report.Build(int32) (src/Report.cs);[alloc] System.Double[] 4096\n", text);
    }

    [Fact]
    public void Write_prints_one_root_first_line_per_stack_with_its_self_value()
    {
        var tree = TestTrees.Cpu("main;b;c 3", "main;a 1", "main 2", "main;b;c 4");
        Assert.Equal("main 2\nmain;a 1\nmain;b;c 7\n", FoldedFormat.Write(tree, ProfileKind.Cpu));
    }

    [Fact]
    public void Write_is_canonical_whatever_the_insertion_order()
    {
        var one = TestTrees.Cpu("x;z 1", "x;y 2", "w 3");
        var two = TestTrees.Cpu("w 3", "x;y 2", "x;z 1");
        Assert.Equal(FoldedFormat.Write(one, ProfileKind.Cpu), FoldedFormat.Write(two, ProfileKind.Cpu));
    }

    [Fact]
    public void Write_skips_stacks_without_a_value_of_the_kind()
    {
        var tree = new CallTree();
        tree.Add("a;cpu", SampleValues.Cpu(5));
        tree.Add("a;alloc", SampleValues.Alloc(100, 1));
        Assert.Equal("a;alloc 100\n", FoldedFormat.Write(tree, ProfileKind.Alloc));
        Assert.Equal("a;cpu 5\n", FoldedFormat.Write(tree, ProfileKind.Cpu));
        Assert.Equal("", FoldedFormat.Write(tree, ProfileKind.Wall));
    }

    [Fact]
    public void Write_sums_frames_that_differ_only_by_file_or_line()
    {
        var tree = new CallTree();
        tree.Add([new Frame("main"), new Frame("f", "f.cs", 1)], SampleValues.Cpu(1));
        tree.Add([new Frame("main"), new Frame("f", "f.cs", 9)], SampleValues.Cpu(2));
        Assert.Equal("main;f 3\n", FoldedFormat.Write(tree, ProfileKind.Cpu));
    }

    [Fact]
    public void Write_escapes_separators_inside_names()
    {
        var tree = new CallTree();
        tree.Add([new Frame("a;b"), new Frame("line\nbreak")], SampleValues.Cpu(1));
        Assert.Equal("a:b;line break 1\n", FoldedFormat.Write(tree, ProfileKind.Cpu));
    }

    [Fact]
    public void Parse_reads_names_with_spaces_and_sums_repeated_stacks()
    {
        var tree = FoldedFormat.Parse("app!Main(string[]);System.String.Concat(string, string) 5\r\napp!Main(string[]);System.String.Concat(string, string) 2\n", ProfileKind.Wall);
        var frames = new[] { new Frame("app!Main(string[])"), new Frame("System.String.Concat(string, string)") };
        Assert.Equal(SampleValues.Wall(7), TestTrees.TotalAt(tree, frames));
        Assert.Equal(3, tree.NodeCount);
    }

    [Fact]
    public void Parse_puts_alloc_values_in_bytes()
    {
        var tree = FoldedFormat.Parse("a;b 4096\n", ProfileKind.Alloc);
        Assert.Equal(new SampleValues(0, 0, 4096, 0), tree.Total);
    }

    [Fact]
    public void Parse_ignores_blank_and_comment_lines()
    {
        var tree = FoldedFormat.Parse("# comment\n\n   \na 1\n", ProfileKind.Cpu);
        Assert.Equal(SampleValues.Cpu(1), tree.Total);
    }

    [Theory]
    [InlineData("a;b")]
    [InlineData("a;b x")]
    [InlineData(" 12")]
    [InlineData("a;;b 1")]
    [InlineData("a;b 99999999999999999999")]
    public void Parse_rejects_malformed_lines_with_their_line_number(string line)
    {
        var e = Assert.Throws<ProfileDataException>(() => FoldedFormat.Parse("ok 1\n" + line + "\n", ProfileKind.Cpu));
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void Parse_into_an_existing_tree_adds_to_it()
    {
        var tree = TestTrees.Cpu("a 1");
        FoldedFormat.Parse(new StringReader("a 2\nb 3\n"), ProfileKind.Cpu, tree);
        Assert.Equal("a 3\nb 3\n", FoldedFormat.Write(tree, ProfileKind.Cpu));
    }
}
