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
