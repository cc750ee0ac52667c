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

    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    private static GaugeSource Window(string host, int pid, int startSecond, int seconds = 60) =>
        new(host, pid, T0.AddSeconds(startSecond), T0.AddSeconds(startSecond + seconds));

    private static CallTree LevelOf(params (GaugeSource Source, CallTree Tree)[] parts) => GaugeLevel.At(parts, p => p.Source, p => p.Tree);

    /// <summary>Every stack with its in-use bytes and objects (<see cref="TestTrees.Canonical"/> shows only counters).</summary>
    private static string Gauges(CallTree tree)
    {
        var sb = new System.Text.StringBuilder();
        tree.ForEachStack((stack, self) =>
        {
            for (var i = 0; i < stack.Length; i++) sb.Append(i > 0 ? ";" : "").Append(tree.Frames[stack[i]].Function);
            sb.Append(' ').Append(self.InuseBytes).Append(' ').Append(self.InuseCount).Append('\n');
        }, sortedByFrame: true);
        return sb.ToString();
    }

    private static CallTree Retained(long bytes, string site = "app!Cache.Add") =>
        new CallTree().Add($"app!Main;{site};[alloc] System.Byte[]", new SampleValues(7, 0, bytes * 3, 30, bytes, bytes / 100));

    [Fact]
    public void Two_hosts_at_one_instant_add_up_rather_than_keep_the_larger()
    {
        // Two hosts of a service each hold 40,000 and 25,000 bytes in the same minute (jittered windows).
        var level = LevelOf((Window("h1", 10, 5), Retained(40_000)), (Window("h2", 10, 41), Retained(25_000)));
        Assert.Equal(65_000, level.Total.InuseBytes);
        Assert.Equal(650, level.Total.InuseCount);
    }

    [Fact]
    public void Processes_of_one_host_add_up_and_the_parts_of_one_window_add_up()
    {
        // pid 1's window arrived in two batches (two stored parts, same start and end); pid 2 is another process.
        var level = LevelOf(
            (Window("h1", 1, 0), Retained(30_000)),
            (Window("h1", 2, 20), Retained(5_000, "app!Other")),
            (Window("h1", 1, 0), Retained(12_000)));
        Assert.Equal(47_000, level.Total.InuseBytes);
        Assert.Equal("app!Main;app!Cache.Add;[alloc] System.Byte[] 42000 420\napp!Main;app!Other;[alloc] System.Byte[] 5000 50\n", Gauges(level));
    }

    [Fact]
    public void Two_windows_of_one_process_in_one_minute_are_two_snapshots_so_the_larger_counts()
    {
        var level = LevelOf((Window("h1", 1, 0, 20), Retained(30_000)), (Window("h1", 1, 30, 20), Retained(50_000)));
        Assert.Equal(50_000, level.Total.InuseBytes);
    }

    [Fact]
    public void A_bucket_over_time_keeps_the_peak_of_its_instants_levels()
    {
        // Minute 1: two hosts at 40 + 25 KB; minute 2: the same hosts at 10 + 50 KB. Peak: 65 KB, not 90 (a sum over
        // time) nor 50 (the largest host).
        var first = LevelOf((Window("h1", 1, 5), Retained(40_000)), (Window("h2", 1, 9), Retained(25_000)));
        var second = LevelOf((Window("h1", 1, 65), Retained(10_000)), (Window("h2", 1, 69), Retained(50_000)));
        var bucket = new CallTree();
        bucket.MergeFrom(second, GaugeMerge.Peak);
        bucket.MergeFrom(first, GaugeMerge.Peak);
        Assert.Equal(65_000, bucket.Total.InuseBytes);
    }

    [Fact]
    public void A_level_is_the_same_whatever_order_its_parts_come_in_and_grows_as_parts_are_added()
    {
        var parts = new[]
        {
            (Window("h2", 7, 50), Retained(3_000)), (Window("h1", 1, 0), Retained(30_000)), (Window("h1", 1, 0), Retained(12_000, "app!Split")),
            (Window("h1", 1, 30, 20), Retained(45_000)), (Window("h1", 2, 20), Retained(5_000, "app!Other")),
        };
        var expected = Gauges(LevelOf(parts));
        // h1 pid 1: its 0 s window (30,000 + 12,000 in two parts) against its 30 s one (45,000): per node the larger.
        Assert.Equal("app!Main;app!Cache.Add;[alloc] System.Byte[] 48000 480\napp!Main;app!Other;[alloc] System.Byte[] 5000 50\napp!Main;app!Split;[alloc] System.Byte[] 12000 120\n", expected);
        var rng = new Random(5);
        for (var i = 0; i < 20; i++) Assert.Equal(expected, Gauges(LevelOf(parts.OrderBy(_ => rng.Next()).ToArray())));

        // Every prefix's level is at most the whole level, node by node: a bucket that peak-merges the newer level is exact.
        var whole = LevelOf(parts);
        for (var n = 1; n < parts.Length; n++)
        {
            var merged = LevelOf(parts[..n]);
            merged.MergeFrom(whole, GaugeMerge.Peak);
            Assert.Equal(expected, Gauges(merged));
        }
    }

    [Fact]
    public void A_level_carries_only_gauges_so_a_bucket_counters_stay_those_of_its_windows()
    {
        var level = LevelOf((Window("h1", 1, 0), Retained(30_000).Add("app!Main;app!Parse", SampleValues.Cpu(9))));
        Assert.Equal(new SampleValues(0, 0, 0, 0, 30_000, 300), level.Total);
        Assert.DoesNotContain("Parse", Gauges(level));
        Assert.Equal(T0, GaugeLevel.InstantOf(T0.AddSeconds(59.9)));
        Assert.Equal(T0.AddMinutes(1), GaugeLevel.InstantOf(T0.AddSeconds(60).ToOffset(TimeSpan.FromHours(2))));
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
