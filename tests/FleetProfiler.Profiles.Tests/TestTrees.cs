using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace FleetProfiler.Profiles.Tests;

/// <summary>Helpers to build trees from compact text and compare them canonically.</summary>
internal static class TestTrees
{
    /// <summary>Adds "a;b;c" (root first, function names only) with <paramref name="values"/>.</summary>
    public static CallTree Add(this CallTree tree, string stack, SampleValues values)
    {
        var frames = stack.Split(';').Select(n => new Frame(n)).ToArray();
        tree.Add(frames, values);
        return tree;
    }

    public static CallTree AddCpu(this CallTree tree, string stack, long samples) => tree.Add(stack, SampleValues.Cpu(samples));

    /// <summary>A tree from lines "a;b;c 42" of CPU samples.</summary>
    public static CallTree Cpu(params string[] lines)
    {
        var tree = new CallTree();
        foreach (string line in lines)
        {
            int space = line.LastIndexOf(' ');
            tree.AddCpu(line[..space], long.Parse(line[(space + 1)..]));
        }
        return tree;
    }

    /// <summary>Every stack with its frames in full (name@file:line) and all four values, in canonical order.</summary>
    public static string Canonical(CallTree tree)
    {
        var sb = new StringBuilder();
        tree.ForEachStack((stack, self) =>
        {
            for (int i = 0; i < stack.Length; i++)
            {
                if (i > 0) sb.Append(';');
                Frame f = tree.Frames[stack[i]];
                sb.Append(f.Function).Append('@').Append(f.File).Append(':').Append(f.Line);
            }
            sb.Append(' ').Append(self.CpuSamples).Append(' ').Append(self.WallSamples)
              .Append(' ').Append(self.AllocBytes).Append(' ').Append(self.AllocCount).Append('\n');
        }, sortedByFrame: true);
        return sb.ToString();
    }

    /// <summary>Total values of the node at the path of frames (root first), or null when absent.</summary>
    public static SampleValues? TotalAt(CallTree tree, IReadOnlyList<Frame> path)
    {
        int node = CallTree.Root;
        foreach (Frame f in path)
        {
            if (!tree.Frames.TryGetId(f, out int id) || !tree.TryGetChild(node, id, out node)) return null;
        }
        return tree.ComputeTotals()[node];
    }

    /// <summary>Frames from root (exclusive) to <paramref name="node"/>.</summary>
    public static List<Frame> PathOf(CallTree tree, int node)
    {
        var path = new List<Frame>();
        for (int n = node; n != CallTree.Root; n = tree.ParentOf(n)) path.Add(tree.FrameOf(n));
        path.Reverse();
        return path;
    }
}

/// <summary>A generated profile: stacks over a small frame alphabet (with recursion and line variants).</summary>
public sealed record ProfileInput(StackSample[] Samples)
{
    public static readonly Frame[] Alphabet =
    [
        new("app!Program.Main(string[])", "src/Program.cs", 10),
        new("app!Api.Handle(Request)", "src/Api.cs", 42),
        new("app!Api.Handle(Request)", "src/Api.cs", 57),
        new("app!Json.Serialize(object)", "src/Json.cs", 7),
        new("app!Tree.Walk(Node)", "src/Tree.cs", 12),
        new("System.Private.CoreLib!System.String.Concat(string,string)"),
        new("System.Linq!Enumerable.ToList<T>(IEnumerable<T>)", "Enumerable.cs", 0),
        new("app!Db.Query(string)", "src/Db.cs", 99),
    ];

    /// <summary>Builds the tree with a fresh frame table (frames interned in stack order).</summary>
    public CallTree Build() => AddTo(new CallTree());

    public CallTree AddTo(CallTree tree)
    {
        foreach (var s in Samples) tree.Add(s.Frames.Select(i => Alphabet[i]).ToArray(), s.Values);
        return tree;
    }

    public override string ToString() => string.Join(" | ", Samples.Select(s => s.ToString()));
}

public sealed record StackSample(int[] Frames, SampleValues Values)
{
    public override string ToString() => $"[{string.Join(",", Frames)}] {Values.CpuSamples}/{Values.WallSamples}/{Values.AllocBytes}/{Values.AllocCount}";
}

/// <summary>FsCheck generators for profile inputs (small values, depth 0–10, recursion likely).</summary>
public static class ProfileArbitraries
{
    private static Gen<long> Value => Gen.Frequency((2, Gen.Constant(0L)), (5, Gen.Choose(1, 1000).Select(v => (long)v)));

    private static Gen<SampleValues> Values =>
        from cpu in Value
        from wall in Value
        from bytes in Value
        from count in Value
        select new SampleValues(cpu, wall, bytes * 1024, count);

    private static Gen<int[]> Stack =>
        Gen.Choose(0, 10).SelectMany(depth => Gen.Choose(0, ProfileInput.Alphabet.Length - 1).ArrayOf(depth));

    public static Gen<ProfileInput> Profiles =>
        Stack.Zip(Values, (s, v) => new StackSample(s, v)).ArrayOf().Select(a => new ProfileInput(a));

    public static Arbitrary<ProfileInput> ProfileInputs() => Profiles.ToArbitrary();
}
