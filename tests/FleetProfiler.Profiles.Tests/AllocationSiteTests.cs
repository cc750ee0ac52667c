using System.Text;

namespace FleetProfiler.Profiles.Tests;

/// <summary>
/// Memory views name the code that allocates: an allocated type is a leaf pseudo-frame under its allocation site,
/// and the site, not the type, carries the bytes in top functions, top files and the tree without types.
/// </summary>
public class AllocationSiteTests
{
    private static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "testdata", name);

    /// <summary>Reads "f@file:line;g;[alloc] T bytes count" lines (# comments) into a tree.</summary>
    private static CallTree ReadAllocationStacks(string path)
    {
        var tree = new CallTree();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int countAt = line.LastIndexOf(' ');
            int bytesAt = line.LastIndexOf(' ', countAt - 1);
            var frames = line[..bytesAt].Split(';').Select(ParseFrame).ToArray();
            tree.Add(frames, SampleValues.Alloc(long.Parse(line[(bytesAt + 1)..countAt]), long.Parse(line[(countAt + 1)..])));
        }
        return tree;

        static Frame ParseFrame(string text)
        {
            int at = text.IndexOf('@');
            if (at < 0) return new Frame(text);
            int colon = text.LastIndexOf(':');
            return new Frame(text[..at], text[(at + 1)..colon], int.Parse(text[(colon + 1)..]));
        }
    }

    private static string Describe(CallTree tree)
    {
        var sb = new StringBuilder();
        sb.Append("# top functions (self total function)\n");
        foreach (var f in tree.TopFunctions(ProfileKind.Alloc, 100)) sb.Append($"{f.Self} {f.Total} {f.Function}\n");
        sb.Append("# top files (self total file)\n");
        foreach (var f in tree.TopFiles(ProfileKind.Alloc, 100)) sb.Append($"{f.Self} {f.Total} {f.File}\n");
        sb.Append("# top allocated types (bytes count type)\n");
        foreach (var t in tree.TopAllocatedTypes(100)) sb.Append($"{t.Bytes} {t.Count} {t.Type}\n");
        sb.Append("# tree without allocated types (stack bytes count)\n");
        var sites = tree.WithoutAllocatedTypes();
        sites.ForEachStack((stack, self) =>
        {
            for (int i = 0; i < stack.Length; i++)
            {
                var frame = sites.Frames[stack[i]];
                sb.Append(i > 0 ? ";" : "").Append(frame.Function);
                if (frame.File is not null) sb.Append('@').Append(frame.File).Append(':').Append(frame.Line);
            }
            sb.Append($" {self.AllocBytes} {self.AllocCount}\n");
        }, sortedByFrame: true);
        return sb.ToString();
    }

    [Fact]
    public void The_allocation_site_carries_the_bytes_in_top_functions_files_and_the_tree_and_types_are_their_own_list()
    {
        var tree = ReadAllocationStacks(TestData("alloc-sites.txt"));

        Assert.Equal(File.ReadAllText(TestData("alloc-sites.expected.txt")), Describe(tree));
    }

    [Fact]
    public void Top_of_the_tree_with_types_equals_top_of_the_tree_without_them()
    {
        var tree = ReadAllocationStacks(TestData("alloc-sites.txt"));
        var sites = tree.WithoutAllocatedTypes();

        Assert.Equal(sites.TopFunctions(ProfileKind.Alloc, 100), tree.TopFunctions(ProfileKind.Alloc, 100));
        Assert.Equal(sites.TopFunctions(ProfileKind.Alloc, 100, RankBy.Total), tree.TopFunctions(ProfileKind.Alloc, 100, RankBy.Total));
        Assert.Equal(sites.TopFiles(ProfileKind.Alloc, 100), tree.TopFiles(ProfileKind.Alloc, 100));
        Assert.Equal(tree.Total, sites.Total);
        Assert.Equal(new AllocatedTypeStats("System.Object", 100, 1), Assert.Single(sites.TopAllocatedTypes(10)));   // only the stackless one stays
    }

    [Fact]
    public void Cpu_samples_on_an_allocation_site_are_untouched()
    {
        var tree = new CallTree();
        Frame main = new("Main", "Program.cs", 1), build = new("BuildRows", "ReportBuilder.cs", 16);
        tree.Add([main, build], SampleValues.Cpu(7));
        tree.Add([main, build, Frame.AllocatedType("System.Double[]")], SampleValues.Alloc(4096, 2));

        Assert.Equal(new FunctionStats("BuildRows", 7, 7), tree.TopFunctions(ProfileKind.Cpu, 1)[0]);
        Assert.Equal(new FunctionStats("BuildRows", 4096, 4096), tree.TopFunctions(ProfileKind.Alloc, 1)[0]);
        Assert.Equal(new SampleValues(7, 0, 4096, 2), tree.WithoutAllocatedTypes().SelfOf(2));
    }

    [Fact]
    public void A_tree_without_allocated_types_is_returned_as_it_is()
    {
        var tree = TestTrees.Cpu("main;work 3");

        Assert.Same(tree, tree.WithoutAllocatedTypes());
        Assert.Empty(tree.TopAllocatedTypes(10));
    }

    [Theory]
    [InlineData("[alloc] System.String", null, true)]
    [InlineData("[alloc] System.String", "Program.cs", false)]   // a real function that happens to look like one
    [InlineData("[alloc]System.String", null, false)]
    [InlineData("System.String", null, false)]
    public void Only_a_file_less_frame_named_with_the_prefix_is_an_allocated_type(string function, string? file, bool expected)
    {
        Assert.Equal(expected, new Frame(function, file).IsAllocatedType);
        var table = new FrameTable();
        int id = table.Intern(function, file);
        Assert.Equal(expected, table.FindAllocatedTypes() is { } types && types[id]);
    }
}
