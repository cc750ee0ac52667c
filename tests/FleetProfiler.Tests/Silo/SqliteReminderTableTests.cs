using FleetProfiler.Silo.Storage;
using Orleans.Runtime;

namespace FleetProfiler.Tests.Silo;

/// <summary>The single-node reminder table against the contract the Orleans reminder service relies on.</summary>
public sealed class SqliteReminderTableTests : IDisposable
{
    private readonly TempDirectory _dir = new("reminders");

    private SqliteReminderTable Table(string serviceId = "svc") =>
        new(new SqliteStorageOptions { DatabasePath = Path.Combine(_dir.Path, "grains.db"), Synchronous = "NORMAL" }, serviceId);

    private static ReminderEntry Entry(GrainId grain, string name, TimeSpan period, string? etag = null) =>
        new() { GrainId = grain, ReminderName = name, StartAt = new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc), Period = period, ETag = etag! };

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Upsert_bumps_the_etag_and_a_new_table_on_the_same_file_reads_the_row_back()
    {
        var grain = GrainId.Create("schedule", "checkout");
        var first = await Table().UpsertRow(Entry(grain, "schedule:cpu", TimeSpan.FromHours(1)));
        var second = await Table().UpsertRow(Entry(grain, "schedule:cpu", TimeSpan.FromHours(2)));

        Assert.Equal(("1", "2"), (first, second));
        var row = await Table().ReadRow(grain, "schedule:cpu");
        Assert.NotNull(row);
        Assert.Equal((grain, "schedule:cpu", TimeSpan.FromHours(2), new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc), "2"),
            (row.GrainId, row.ReminderName, row.Period, row.StartAt, row.ETag));
        Assert.Equal(DateTimeKind.Utc, row.StartAt.Kind);
        Assert.Null(await Table().ReadRow(grain, "schedule:wall"));
        Assert.Empty((await Table("another-service").ReadRows(grain)).Reminders);
    }

    [Fact]
    public async Task Remove_needs_the_current_etag()
    {
        var grain = GrainId.Create("schedule", "search");
        var etag = await Table().UpsertRow(Entry(grain, "schedule:alloc", TimeSpan.FromMinutes(30)));

        Assert.False(await Table().RemoveRow(grain, "schedule:alloc", "999"));
        Assert.Single((await Table().ReadRows(grain)).Reminders);
        Assert.True(await Table().RemoveRow(grain, "schedule:alloc", etag!));
        Assert.Empty((await Table().ReadRows(grain)).Reminders);
        Assert.False(await Table().RemoveRow(grain, "schedule:alloc", etag!));
    }

    [Fact]
    public async Task Ring_ranges_are_exclusive_below_inclusive_above_and_wrap_around_zero()
    {
        var grains = Enumerable.Range(0, 40).Select(i => GrainId.Create("schedule", "svc-" + i)).ToList();
        foreach (var g in grains) await Table().UpsertRow(Entry(g, "r", TimeSpan.FromMinutes(5)));
        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();
        var (low, high) = (hashes[10], hashes[30]);

        async Task<List<uint>> Read(uint begin, uint end) =>
            [.. (await Table().ReadRows(begin, end)).Reminders.Select(r => r.GrainId.GetUniformHashCode()).Order()];

        Assert.Equal(hashes.Where(h => h > low && h <= high), await Read(low, high));
        Assert.Equal(hashes.Where(h => h > high || h <= low), await Read(high, low));
        Assert.Equal(hashes, await Read(low, low)); // begin == end: the whole ring
    }
}
