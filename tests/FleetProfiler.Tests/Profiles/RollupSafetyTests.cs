using FleetProfiler.Grains.Profiles;
using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;
using FleetProfiler.Silo.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FleetProfiler.Tests.Profiles;

/// <summary>
/// No silent loss in the rollup (issue 10, items 9-11), on SQLite and on the real PostgreSQL: it consumes exactly the
/// committed windows, two rollups at once cannot count a window twice, an undecodable row is quarantined and the
/// rollup and retention go on, and a store from before the queue is upgraded without loss or double counting.
/// </summary>
public abstract class RollupSafetyTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset Day = BucketLevel.Day.Floor(DateTimeOffset.UtcNow.AddDays(-1));
    protected static byte[] Garbage => "not a call tree, just bytes"u8.ToArray();
    private readonly ProfileStoreOptions _options = new() { RollupChunk = 5 };
    private long _sequence;

    protected IProfileStore Store { get; private set; } = null!;

    protected abstract Task<IProfileStore> CreateStoreAsync();

    /// <summary>Runs <paramref name="sql"/> on the store's database with <c>@garbage</c> bound to bytes that are not a call tree.</summary>
    protected abstract Task ExecuteAsync(string sql);

    /// <summary>Turns the store into one from before the rollup queue (no queue or quarantine, the given id watermark) and opens it again.</summary>
    protected abstract Task<IProfileStore> ReopenAsPreQueueStoreAsync(long watermark);

    public async Task InitializeAsync() => Store = await CreateStoreAsync();
    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected ProfileRollup Rollup(IProfileStore? store = null, ILogger<ProfileRollup>? logger = null) =>
        new(store ?? Store, _options, TimeProvider.System, logger ?? NullLogger<ProfileRollup>.Instance);

    protected StoredWindow Window(string service, string stack, long cpu, int minute)
    {
        var tree = new CallTree();
        tree.Add(stack.Split(';').Select(f => new Frame(f)).ToArray(), SampleValues.Cpu(cpu));
        var start = Day.AddMinutes(minute).AddSeconds(_sequence % 50);
        return new StoredWindow(service, "h1", "agent-" + service, ++_sequence, 1, "p", start, start.AddSeconds(10), "cpu", 10, CallTreeCodec.Serialize(tree));
    }

    protected async Task AddAsync(StoredWindow w) => Assert.True(await Store.TryAddWindowAsync(w));

    /// <summary>The service's day bucket: windows in it and CPU samples, each window counted once when they match the windows added.</summary>
    protected async Task<(int Windows, long Cpu)> DayBucketAsync(string service)
    {
        var day = Assert.Single(await Store.ReadBucketsAsync(BucketLevel.Day, service, "", Day, Day.AddDays(1)));
        return (day.Windows, day.DecodeTree().Total.CpuSamples);
    }

    [Fact]
    public async Task A_rollup_that_commits_after_another_rollup_took_its_windows_writes_nothing()
    {
        for (var i = 0; i < 12; i++) await AddAsync(Window("cas", $"main;f{i % 3}", i + 1, i % 4));

        // The first rollup reads a chunk and merges it, then waits just before its commit; the second runs meanwhile.
        var gate = new CommitGate(Store);
        var parked = Task.Run(() => Rollup(gate).RunAsync());
        await gate.Arrived.WaitAsync(TestTimeouts.Step);
        var other = await Rollup().RunAsync();
        gate.Open();
        var late = await parked.WaitAsync(TestTimeouts.Step);

        Assert.Equal(12, other.Windows);
        Assert.Equal((0, 1), (late.Windows, late.Conflicts));
        Assert.Equal((12, 78L), await DayBucketAsync("cas")); // 1 + 2 + ... + 12, each window once
        Assert.Equal(12, await Store.GetWatermarkAsync());
    }

    [Fact]
    public async Task Rollups_running_at_once_while_windows_arrive_count_every_window_once()
    {
        const int Windows = 60;
        var adding = Task.Run(async () =>
        {
            for (var i = 0; i < Windows; i++) await AddAsync(Window("race", $"main;f{i % 5}", i + 1, i % 7));
        });
        // Three rollups (three activations of the one rollup) run over and over while windows arrive.
        var rollups = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var compacted = 0;
            for (var run = 0; run < 8; run++) compacted += (await Rollup().RunAsync()).Windows;
            return compacted;
        })).ToArray();
        await adding.WaitAsync(TestTimeouts.Convergence);
        var during = (await Task.WhenAll(rollups).WaitAsync(TestTimeouts.Convergence)).Sum();
        var last = await Rollup().RunAsync();

        Assert.Equal(Windows, during + last.Windows);
        Assert.Equal((Windows, Windows * (Windows + 1L) / 2), await DayBucketAsync("race"));
        var hours = await Store.ReadBucketsAsync(BucketLevel.Hour, "race", "h1", Day, Day.AddDays(1));
        Assert.Equal(Windows, hours.Sum(h => h.Windows));
        Assert.Equal(Windows, await Store.GetWatermarkAsync());
    }

    [Fact]
    public async Task An_undecodable_window_is_quarantined_with_a_log_line_and_the_rollup_and_retention_go_on()
    {
        await AddAsync(Window("bad", "main;a", 1, 1));
        await AddAsync(Window("bad", "main;b", 2, 2));
        await AddAsync(Window("bad", "main;c", 4, 3));
        var broken = (await Store.ReadWindowsAsync("bad", null, Day, Day.AddDays(1), 10))[1].Id;
        await ExecuteAsync($"UPDATE profile_window SET tree = @garbage WHERE id = {broken}");

        var log = new ListLogger<ProfileRollup>();
        var first = await Rollup(logger: log).RunAsync();
        Assert.Equal((2, 1, 1L), (first.Windows, first.Quarantined, first.QuarantinedTotal));
        Assert.Contains(log.At(LogLevel.Error), l => l.Contains($"quarantined window {broken} of agent agent-bad", StringComparison.Ordinal));
        Assert.Equal((2, 5L), await DayBucketAsync("bad"));
        Assert.Equal(1, await Store.CountQuarantinedAsync());
        // Reads leave it out: queries keep working over its minute.
        Assert.Equal(2, (await Store.ReadWindowsAsync("bad", null, Day, Day.AddDays(1), 10)).Count);
        var read = await new ProfileReader(Store, _options, TimeProvider.System).ReadAsync("bad", null, Day, Day.AddDays(1), 100);
        Assert.Equal(5, read.Tree.Total.CpuSamples);

        // The rollup goes on with the next windows and does not meet the broken one again.
        await AddAsync(Window("bad", "main;d", 8, 4));
        var second = await Rollup().RunAsync();
        Assert.Equal((1, 0), (second.Windows, second.Quarantined));
        Assert.Equal((3, 13L), await DayBucketAsync("bad"));

        // Retention goes on too: all four windows are past the cut-off; the broken one's bytes stay in quarantine.
        Assert.Equal(4, await Store.DeleteExpiredAsync(Day.AddDays(1), DateTimeOffset.MinValue, DateTimeOffset.MinValue, DateTimeOffset.MinValue));
        Assert.Equal(1, await Store.CountQuarantinedAsync());
    }

    [Fact]
    public async Task An_undecodable_bucket_is_quarantined_and_starts_over_from_the_next_windows()
    {
        await AddAsync(Window("badbucket", "main;a", 3, 5));
        await Rollup().RunAsync();
        await ExecuteAsync("UPDATE profile_bucket SET tree = @garbage WHERE level = 1 AND service = 'badbucket'");

        await AddAsync(Window("badbucket", "main;b", 7, 5));
        var log = new ListLogger<ProfileRollup>();
        var r = await Rollup(logger: log).RunAsync();
        Assert.Equal((1, 1), (r.Windows, r.Quarantined));
        Assert.Contains(log.At(LogLevel.Error), l => l.Contains("quarantined minute bucket", StringComparison.Ordinal));
        var minute = Assert.Single(await Store.ReadBucketsAsync(BucketLevel.Minute, "badbucket", "", Day, Day.AddDays(1)));
        Assert.Equal((1, 7L), (minute.Windows, minute.DecodeTree().Total.CpuSamples));
        // The other levels were readable and keep both windows.
        Assert.Equal((2, 10L), await DayBucketAsync("badbucket"));
    }

    [Fact]
    public async Task A_store_from_before_the_queue_rolls_up_the_windows_above_its_old_watermark_once()
    {
        // Two windows compacted, three not yet, when the store is upgraded (ids 1..5; the old watermark is 2).
        await AddAsync(Window("upgrade", "main;a", 1, 1));
        await AddAsync(Window("upgrade", "main;a", 2, 1));
        Assert.Equal(2, (await Rollup().RunAsync()).Windows);
        for (var i = 0; i < 3; i++) await AddAsync(Window("upgrade", "main;b", 10, 2));

        Store = await ReopenAsPreQueueStoreAsync(watermark: 2);
        Assert.Equal(3, (await Rollup().RunAsync()).Windows);
        Assert.Equal((5, 33L), await DayBucketAsync("upgrade"));

        // Applying the schema again (create-db.sh does on every run) queues nothing twice.
        Store = await ReopenAsync();
        Assert.Equal(0, (await Rollup().RunAsync()).Windows);
        Assert.Equal((5, 33L), await DayBucketAsync("upgrade"));
    }

    /// <summary>Opens the store again, applying its schema again.</summary>
    protected abstract Task<IProfileStore> ReopenAsync();
}

public sealed class SqliteRollupSafetyTests : RollupSafetyTests
{
    private readonly TempDirectory _dir = new();

    private string DatabasePath => Path.Combine(_dir.Path, "profiles.db");

    protected override Task<IProfileStore> CreateStoreAsync() => ReopenAsync();

    protected override Task<IProfileStore> ReopenAsync() => Task.FromResult<IProfileStore>(new SqliteProfileStore(DatabasePath, "NORMAL"));

    protected override async Task ExecuteAsync(string sql)
    {
        await using var conn = new SqliteConnection($"Data Source={DatabasePath}");
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("@garbage", Garbage);
        await cmd.ExecuteNonQueryAsync();
    }

    protected override async Task<IProfileStore> ReopenAsPreQueueStoreAsync(long watermark)
    {
        await ExecuteAsync($"DROP TABLE profile_rollup_queue; DROP TABLE profile_quarantine; UPDATE profile_rollup SET watermark = {watermark}");
        return await ReopenAsync();
    }

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class PostgresRollupSafetyTests : RollupSafetyTests
{
    private NpgsqlDataSource? _source;
    private TestPostgres.ScratchDatabase? _database;

    protected override async Task<IProfileStore> CreateStoreAsync()
    {
        // A database of its own: the queue and the watermark are global.
        _database = await TestPostgres.CreateEmptyDatabaseAsync();
        _source = NpgsqlDataSource.Create(_database.ConnectionString);
        return await ReopenAsync();
    }

    protected override async Task<IProfileStore> ReopenAsync()
    {
        await TestPostgres.ApplyProfileStoreSchemaAsync(_source!);
        return new PostgresProfileStore(_source!);
    }

    protected override async Task ExecuteAsync(string sql)
    {
        await using var cmd = _source!.CreateCommand(sql);
        cmd.Parameters.AddWithValue("garbage", Garbage);
        await cmd.ExecuteNonQueryAsync();
    }

    protected override async Task<IProfileStore> ReopenAsPreQueueStoreAsync(long watermark)
    {
        await ExecuteAsync($"DROP TABLE profile_rollup_queue; DROP TABLE profile_quarantine; UPDATE profile_rollup SET watermark = {watermark}");
        return await ReopenAsync();
    }

    [Fact]
    public async Task A_window_whose_transaction_commits_after_later_windows_were_rolled_up_reaches_the_buckets_exactly_once()
    {
        // A silo's insert that has its id but has not committed (a slow commit, a silo clock behind the database's).
        await using var held = await _source!.OpenConnectionAsync();
        await using var tx = await held.BeginTransactionAsync();
        Assert.True(await PostgresProfileStore.TryAddWindowAsync(held, tx, Window("late", "main;late", 100, 0)));
        for (var i = 0; i < 6; i++) await AddAsync(Window("late", "main;on-time", 1, 1));
        await using (var ids = new NpgsqlCommand("SELECT min(id) FROM profile_window", held, tx))
        {
            // The held window has the lowest id: a watermark on ids would step over it.
            var heldId = Convert.ToInt64(await ids.ExecuteScalarAsync());
            await using var committed = _source.CreateCommand("SELECT min(id) FROM profile_window");
            Assert.True(heldId < Convert.ToInt64(await committed.ExecuteScalarAsync()), "the held insert took the lowest id");
        }

        var before = await Rollup().RunAsync();
        Assert.Equal(6, before.Windows);
        Assert.Equal((6, 6L), await DayBucketAsync("late"));

        await tx.CommitAsync();
        var after = await Rollup().RunAsync();
        Assert.Equal(1, after.Windows);
        Assert.Equal((7, 106L), await DayBucketAsync("late"));
        Assert.Equal(0, (await Rollup().RunAsync()).Windows);
        Assert.Equal((7, 106L), await DayBucketAsync("late"));
    }

    public override async Task DisposeAsync()
    {
        if (_source is not null) await _source.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}
