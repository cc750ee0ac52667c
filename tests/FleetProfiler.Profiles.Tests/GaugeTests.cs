namespace FleetProfiler.Profiles.Tests;

/// <summary>The inuse kind's values: a gauge in the codec (version 2) and in merges over time (peak), see <see cref="ValueAggregation.Gauge"/>.</summary>
public class GaugeTests
{
    private static CallTree Snapshot(long retained, long churn)
    {
        var tree = new CallTree();
        tree.Add("app!Main;app!Cache.Add;[alloc] System.Byte[]", new SampleValues(0, 0, retained, retained / 1000, retained, retained / 1000));
        tree.Add("app!Main;app!Parse;[alloc] System.String", new SampleValues(0, 0, churn * 100, churn, churn, 1));
        return tree;
    }

    [Fact]
    public void Trees_with_in_use_values_round_trip_as_version_2()
    {
        var tree = Snapshot(50_000, 300);
        var blob = CallTreeCodec.Serialize(tree);
        Assert.Equal(2, blob[4]);
        var decoded = CallTreeCodec.Deserialize(blob);
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(decoded));
        Assert.Equal(tree.Total, decoded.Total);
        Assert.Equal(50_300, decoded.Total.Get(ProfileKind.Inuse));
    }

    [Fact]
    public void Trees_without_in_use_values_keep_the_version_1_bytes_so_stored_trees_and_new_ones_agree()
    {
        var tree = new CallTree().Add("a;b", new SampleValues(1, 2, 3, 4));
        var blob = CallTreeCodec.Serialize(tree);
        Assert.Equal(CallTreeCodec.CountersOnlyVersion, blob[4]);
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(CallTreeCodec.Deserialize(blob)));
    }

    [Fact]
    public void A_version_1_tree_with_an_in_use_value_mask_is_rejected()
    {
        var blob = CallTreeCodec.Serialize(Snapshot(1000, 1));
        blob[4] = CallTreeCodec.CountersOnlyVersion;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(blob.Length - 4), Crc32.Compute(blob.AsSpan(0, blob.Length - 4)));
        var e = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(blob));
        Assert.Contains("mask", e.Message);
    }

    [Fact]
    public void Merging_over_time_keeps_the_peak_of_gauges_and_adds_counters()
    {
        var earlier = Snapshot(50_000, 300);
        var later = Snapshot(20_000, 700);

        var merged = new CallTree();
        merged.MergeFrom(earlier, GaugeMerge.Peak);
        merged.MergeFrom(later, GaugeMerge.Peak);

        // Peaks per leaf: 50,000 retained (earlier), 700 churn (later); allocations add up.
        Assert.Equal(50_700, merged.Total.Get(ProfileKind.Inuse));
        Assert.Equal(50_000 + 20_000 + 30_000 + 70_000, merged.Total.Get(ProfileKind.Alloc));
        // Same result in the other order and when merged again (idempotent on gauges): buckets of any shape agree.
        var reversed = new CallTree();
        reversed.MergeFrom(later, GaugeMerge.Peak);
        reversed.MergeFrom(earlier, GaugeMerge.Peak);
        Assert.Equal(TestTrees.Canonical(merged), TestTrees.Canonical(reversed));
    }

    [Fact]
    public void Parts_of_one_snapshot_add_up()
    {
        var merged = new CallTree();
        merged.MergeFrom(Snapshot(50_000, 300));
        merged.MergeFrom(Snapshot(20_000, 700));
        Assert.Equal(71_000, merged.Total.Get(ProfileKind.Inuse));
    }

    [Fact]
    public void The_registry_names_inuse_a_gauge_in_bytes_with_objects_beside()
    {
        var inuse = ProfileTypes.Of(ProfileKind.Inuse);
        Assert.Equal(("inuse", SampleColumn.InuseBytes, SampleColumn.InuseCount, "bytes", ValueAggregation.Gauge), (inuse.Name, inuse.Value, inuse.Secondary, inuse.Unit, inuse.Aggregation));
        Assert.True(inuse.IsGauge);
        Assert.All(ProfileTypes.All.Where(t => t.Kind != ProfileKind.Inuse), t => Assert.Equal(ValueAggregation.Sum, t.Aggregation));
    }

    [Fact]
    public void Pprof_names_the_inuse_sample_types_as_go_heap_profiles_do()
    {
        var bytes = FleetProfiler.Profiles.Formats.PprofEncoder.Encode(Snapshot(50_000, 300), ProfileKind.Inuse);
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
        using var raw = new MemoryStream();
        gzip.CopyTo(raw);
        var text = System.Text.Encoding.UTF8.GetString(raw.ToArray());
        Assert.Contains("inuse_objects", text);
        Assert.Contains("inuse_space", text);
    }
}
