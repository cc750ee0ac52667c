using FleetProfiler.Abstractions.HeapSnapshots;
using FleetProfiler.Gateway.HeapSnapshots;
using FleetProfiler.Gateway.Ingest;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Tests.HeapSnapshots;

/// <summary>The gateway's checks of a heap snapshot batch, and the comparison of two snapshots by type.</summary>
public sealed class HeapSnapshotRulesTests
{
    private static Batch Valid()
    {
        var batch = new Batch
        {
            Sequence = 1,
            Service = "svc",
            Host = "h",
            WindowStart = Timestamp.FromDateTime(new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc)),
            WindowEnd = Timestamp.FromDateTime(new DateTime(2026, 11, 29, 12, 0, 1, DateTimeKind.Utc)),
            Kinds = { "heap" },
            HeapSnapshot = new HeapSnapshot { LiveBytes = 1000, LiveObjects = 10, OtherTypes = 1, OtherBytes = 100, OtherObjects = 1 },
        };
        batch.HeapSnapshot.TypeRows.Add(new HeapTypeRow { Name = "System.Byte[]", LiveBytes = 800, Objects = 8, RetainedBytes = 800 });
        return batch;
    }

    [Fact]
    public void A_well_formed_snapshot_is_accepted()
    {
        Assert.Null(BatchValidator.Validate(Valid(), new BatchLimits()));
    }

    [Theory]
    [InlineData("kinds", "a heap snapshot batch has kinds [\"heap\"]")]
    [InlineData("samples", "a heap snapshot batch carries no window (strings, functions, locations, stacks, samples, route_minutes, coverage must be empty)")]
    [InlineData("negative", "heap_snapshot.type_rows[0] has a negative figure")]
    [InlineData("over", "heap_snapshot: the type rows and other_bytes add up to 1100, more than live_bytes (1000)")]
    [InlineData("name", "heap_snapshot.type_rows[0].name is required")]
    public void A_malformed_snapshot_is_rejected_naming_the_field(string defect, string expected)
    {
        var batch = Valid();
        switch (defect)
        {
            case "kinds": batch.Kinds.Add("cpu"); break;
            case "samples": batch.Strings.Add(""); break;
            case "negative": batch.HeapSnapshot.TypeRows[0].Objects = -1; break;
            case "over": batch.HeapSnapshot.TypeRows[0].LiveBytes = 1000; break;
            case "name": batch.HeapSnapshot.TypeRows[0].Name = ""; break;
        }

        Assert.Equal(expected, BatchValidator.Validate(batch, new BatchLimits()));
    }

    [Fact]
    public void A_heap_kind_without_a_snapshot_is_named()
    {
        var batch = Valid();
        batch.HeapSnapshot = null;

        Assert.Equal("kind 'heap' needs heap_snapshot (a HeapSnapshot)", BatchValidator.Validate(batch, new BatchLimits()));
    }

    private static StoredHeapSnapshot Snapshot(params (string Name, long Bytes, long Objects)[] types)
    {
        var info = new Abstractions.HeapSnapshots.HeapSnapshotInfo("h/1", "h", 1, "p", "10.0", DateTimeOffset.UnixEpoch, 1, 0, 0, 0, 0, types.Sum(t => t.Bytes), types.Sum(t => t.Objects), 0, true, "", 0, types.Length);
        return new StoredHeapSnapshot(info, types.Select(t => new HeapTypeFigures(t.Name, t.Bytes, t.Objects, t.Bytes)).ToList(), 0, 0, 0);
    }

    [Fact]
    public void The_diff_ranks_growth_first_counts_a_missing_type_as_zero_and_puts_shrinking_types_last()
    {
        var a = Snapshot(("Cache", 100, 1), ("Gone", 50, 5), ("Same", 10, 1));
        var b = Snapshot(("Cache", 400, 4), ("New", 30, 3), ("Same", 10, 1));

        var diff = HeapSnapshotDiff.Compute(a, b, 10);

        Assert.Equal([("Cache", 300L), ("New", 30L), ("Same", 0L), ("Gone", -50L)], diff.Select(d => (d.Name, d.Growth)));
        Assert.Null(diff.Single(d => d.Name == "New").A);
        Assert.Equal(["Cache"], HeapSnapshotDiff.Compute(a, b, 1).Select(d => d.Name));
    }

    [Fact]
    public void Types_are_ordered_by_live_bytes_retained_bytes_or_objects()
    {
        HeapTypeFigures[] types = [new("A", 10, 5, 100), new("B", 20, 1, 20), new("C", 5, 9, 5)];

        Assert.Equal(["B", "A", "C"], HeapSnapshotDiff.Order(types, "live").Select(t => t.Name));
        Assert.Equal(["A", "B", "C"], HeapSnapshotDiff.Order(types, "retained").Select(t => t.Name));
        Assert.Equal(["C", "A", "B"], HeapSnapshotDiff.Order(types, "objects").Select(t => t.Name));
    }
}
