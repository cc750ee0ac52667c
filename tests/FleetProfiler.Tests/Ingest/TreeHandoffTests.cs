using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Profiles;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace FleetProfiler.Tests.Ingest;

/// <summary>
/// The premise of <see cref="TreeHandoff"/> on the ingest path: Orleans gives a grain of the same silo the gateway's
/// upload itself (it is <c>[Immutable]</c>), so the store finds the gateway's tree beside its bytes; across silos the
/// upload is serialized and the bytes are decoded.
/// </summary>
public sealed class TreeHandoffTests
{
    private static ProfileWindowUpload Upload(byte[] tree) =>
        new("agent-1", 7, 42, "api", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(10), "cpu", 10, tree, 0);

    [Fact]
    public void A_grain_of_the_same_silo_gets_the_gateways_tree_and_another_silo_decodes_the_bytes()
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(ProfileWindowUpload).Assembly)).BuildServiceProvider();
        var tree = new CallTree();
        tree.Add([new Frame("Main"), new Frame("Work", "src/Work.cs", 3)], SampleValues.Cpu(5));
        var upload = Upload(TreeHandoff.Encode(tree));

        // What a call to a grain of this silo passes: Orleans' deep copy of the argument.
        var local = services.GetRequiredService<DeepCopier<ProfileWindowUpload>>().Copy(upload);
        Assert.Same(upload, local);
        Assert.Same(tree, TreeHandoff.Decode(local.Tree));

        // What another silo receives.
        var serializer = services.GetRequiredService<Serializer<ProfileWindowUpload>>();
        var remote = serializer.Deserialize(serializer.SerializeToArray(upload));
        var decoded = TreeHandoff.Decode(remote!.Tree);
        Assert.NotSame(tree, decoded);
        Assert.Equal((tree.Total, tree.NodeCount), (decoded.Total, decoded.NodeCount));
    }
}
