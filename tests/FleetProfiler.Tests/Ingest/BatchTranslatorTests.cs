using FleetProfiler.Gateway.Ingest;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Tests.Ingest;

/// <summary>The gateway's translation of a wire batch into the call tree the store keeps.</summary>
public sealed class BatchTranslatorTests
{
    private static List<string> Stacks(FleetProfiler.Profiles.CallTree tree)
    {
        var stacks = new List<string>();
        tree.ForEachStack((s, v) => stacks.Add(string.Join(';', s.ToArray().Select(f => tree.Frames[f].Function)) + $" {v.AllocBytes}"), sortedByFrame: true);
        return stacks;
    }

    /// <summary>The tree of <paramref name="b"/>'s cpu/wall samples built one frame at a time into a default (unsized) tree.</summary>
    private static FleetProfiler.Profiles.CallTree Reference(Batch b)
    {
        var tree = new FleetProfiler.Profiles.CallTree();
        foreach (var sample in b.Samples)
        {
            var frames = b.Stacks[(int)sample.Stack].Locations.Select(l =>
            {
                var location = b.Locations[(int)l];
                var function = b.Functions[(int)location.Function];
                return tree.Frames.Intern(b.Strings[(int)function.Name], function.File == 0 ? null : b.Strings[(int)function.File], (int)location.Line);
            }).ToArray();
            tree.Add(frames, new FleetProfiler.Profiles.SampleValues(sample.CpuSamples, sample.WallSamples, 0, 0));
        }
        return tree;
    }

    [Fact]
    public void A_window_of_the_ingest_benchmark_translates_into_the_tree_its_samples_make_one_by_one()
    {
        var (b, _) = new FleetProfiler.Benchmarks.Workload.WindowFactory(new FleetProfiler.Benchmarks.Workload.StackPool("svc", seed: 7)).BuildBatch(new Random(7));
        var tree = BatchTranslator.ToTree(b);
        Assert.True(tree.NodeCount > 1000, $"{tree.NodeCount} nodes");
        Assert.Equal(FleetProfiler.Profiles.CallTreeCodec.Serialize(Reference(b)), FleetProfiler.Profiles.CallTreeCodec.Serialize(tree));
    }

    [Fact]
    public void A_window_with_more_nodes_than_the_translation_sizes_for_grows_and_keeps_every_stack()
    {
        // 1,400 distinct stacks of 50 distinct frames each: 70,000 nodes, past the 65,536 the translation sizes for.
        var b = new Batch { Service = "svc", Host = "h" };
        b.Kinds.Add("cpu");
        b.Strings.Add("");
        for (var s = 0; s < 1400; s++)
        {
            var stack = new Stack();
            for (var f = 0; f < 50; f++)
            {
                b.Strings.Add($"app!N.T.M{s}_{f}()");
                b.Functions.Add(new Function { Name = (uint)b.Strings.Count - 1 });
                b.Locations.Add(new Location { Function = (uint)b.Functions.Count - 1, Line = (uint)f });
                stack.Locations.Add((uint)b.Locations.Count - 1);
            }
            b.Stacks.Add(stack);
            b.Samples.Add(new Sample { Stack = (uint)s, CpuSamples = s % 3 + 1, WallSamples = s % 3 + 1 });
        }
        var tree = BatchTranslator.ToTree(b);
        Assert.Equal(1 + 1400 * 50, tree.NodeCount);
        Assert.Equal(b.Samples.Sum(x => x.CpuSamples), tree.Total.CpuSamples);
        Assert.Equal(FleetProfiler.Profiles.CallTreeCodec.Serialize(Reference(b)), FleetProfiler.Profiles.CallTreeCodec.Serialize(tree));
    }

    [Fact]
    public void A_labelled_sample_goes_under_its_endpoint_root_above_its_stack_and_type()
    {
        var b = TestBatches.Alloc(1, "svc", "h", TestBatches.Epoch,
            ("app!Program.Main;app!Items.Get", "System.Byte[]", 100, 1),
            ("app!Program.Main;app!Timer.Tick", "System.String", 30, 1),
            ("app!Program.Main", "System.Object", 50, 1)).WithEndpoints("GET /items/{id}", "[not in a request]", null);

        Assert.Equal(
            [
                "[endpoint] GET /items/{id};app!Program.Main;app!Items.Get;[alloc] System.Byte[] 100",
                "[endpoint] [not in a request];app!Program.Main;app!Timer.Tick;[alloc] System.String 30",
                "app!Program.Main;[alloc] System.Object 50",
            ],
            Stacks(BatchTranslator.ToTree(b)));
    }

    [Fact]
    public void Labels_of_other_keys_do_not_make_roots()
    {
        var b = TestBatches.Alloc(1, "svc", "h", TestBatches.Epoch, ("app!Program.Main", "System.Object", 50, 1));
        b.Strings.Add("tenant");
        b.Strings.Add("blue");
        b.Samples[0].Labels.Add(new Label { Key = (uint)b.Strings.Count - 2, Value = (uint)b.Strings.Count - 1 });

        Assert.Equal(["app!Program.Main;[alloc] System.Object 50"], Stacks(BatchTranslator.ToTree(b)));
    }
}
