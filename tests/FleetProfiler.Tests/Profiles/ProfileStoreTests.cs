using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Grains.Profiles;
using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Formats;
using FleetProfiler.Silo.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FleetProfiler.Tests.Profiles;

/// <summary>The profile store contract and the rollup over it, run on SQLite and on the real PostgreSQL.</summary>
public abstract class ProfileStoreTests : IAsyncLifetime
{
    private sealed class Clock(Func<DateTimeOffset> now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now();
    }

    /// <summary>A clock whose monotonic timestamp advances by <see cref="Step"/> at every reading: each chunk "takes" one step.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _ticks;
        public TimeSpan Step { get; set; }
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow.AddSeconds(1);
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Interlocked.Add(ref _ticks, Step.Ticks);
    }

    // Yesterday, so every level is inside its retention.
    protected static readonly DateTimeOffset Day = BucketLevel.Day.Floor(DateTimeOffset.UtcNow.AddDays(-1));
    private readonly ProfileStoreOptions _options = new() { RollupChunk = 7, HourPrecisionFrom = TimeSpan.FromDays(3650) };
    private IProfileStore _store = null!;
    private long _sequence;

    protected abstract Task<IProfileStore> CreateStoreAsync();

    /// <summary>Writes a window row (queued for the rollup) with its bytes as given, as a store of an older version did.</summary>
    protected abstract Task InsertRawWindowAsync(StoredWindow w);

    /// <summary>Writes a bucket row with its bytes as given, as a store of an older version did.</summary>
    protected abstract Task InsertRawBucketAsync(StoredBucket b);

    /// <summary>Drops the attribution columns, as a store from before deploy/sql/13-window-attribution.sql was.</summary>
    protected abstract Task DropAttributionColumnsAsync();

    /// <summary>Opens the store again, applying its schema (or self-upgrade) again.</summary>
    protected abstract Task<IProfileStore> ReopenAsync();

    /// <summary>Another store on the same database with a frame cache of its own: another silo, or this one restarted.</summary>
    protected abstract IProfileStore OpenAnother(ServiceFrames frames);

    /// <summary>A number the database answers (a count).</summary>
    protected abstract Task<long> ScalarAsync(string sql);

    public async Task InitializeAsync() => _store = await CreateStoreAsync();
    public virtual Task DisposeAsync() => Task.CompletedTask;

    // The store stamps received_at with its own clock; the rollup's cut-off must be after it.
    private ProfileRollup Rollup() => new(_store, _options, new Clock(() => DateTimeOffset.UtcNow.AddSeconds(1)), NullLogger<ProfileRollup>.Instance);
    private ProfileReader Reader() => new(_store, _options, new Clock(() => DateTimeOffset.UtcNow));

    private static CallTree Tree(params (string Stack, long Cpu)[] stacks)
    {
        var tree = new CallTree();
        foreach (var (stack, cpu) in stacks) tree.Add(stack.Split(';').Select(f => new Frame(f)).ToArray(), SampleValues.Cpu(cpu));
        return tree;
    }

    private async Task<StoredWindow> AddAsync(string service, string host, DateTimeOffset start, CallTree tree, string kinds = "cpu", double intervalMs = 1, int pid = 1)
    {
        var w = new StoredWindow(service, host, "agent-" + host, ++_sequence, pid, "p", start, start.AddSeconds(10), kinds, intervalMs, CallTreeCodec.Serialize(tree));
        Assert.True(await _store.TryAddWindowAsync(w));
        return w;
    }

    private static string Folded(CallTree t) => FoldedFormat.Write(t, ProfileKind.Cpu);

    /// <summary>A day of windows for two hosts over three hours, with a few stacks each.</summary>
    private async Task<CallTree> SeedDayAsync(string service)
    {
        var all = new CallTree();
        var rng = new Random(11);
        string[] stacks = ["main;a;b", "main;a;c", "main;d", "main;d;e;f"];
        foreach (var hour in new[] { 0, 7, 23 })
        {
            foreach (var minute in new[] { 0, 1, 59 })
            {
                foreach (var host in new[] { "h1", "h2" })
                {
                    var tree = Tree(stacks.Select(s => (s, (long)rng.Next(1, 50))).ToArray());
                    all.MergeFrom(tree);
                    await AddAsync(service, host, Day.AddHours(hour).AddMinutes(minute).AddSeconds(rng.Next(0, 50)), tree);
                }
            }
        }

        return all;
    }

    [Fact]
    public async Task A_window_is_stored_once_per_agent_sequence()
    {
        var w = new StoredWindow("s", "h", "agent-x", 77, 1, "p", Day, Day.AddSeconds(10), "cpu", 1, CallTreeCodec.Serialize(Tree(("a", 1))));
        Assert.True(await _store.TryAddWindowAsync(w));
        Assert.False(await _store.TryAddWindowAsync(w with { Tree = CallTreeCodec.Serialize(Tree(("b", 5))) }));
        var read = await _store.ReadWindowsAsync("s", "h", Day, Day.AddMinutes(1), 10);
        Assert.Equal("a 1\n", Folded(Assert.Single(read).DecodeTree()));
    }

    private const string FallbackNote = "no TPL SetActivityId events in the window: attributed by thread, wrong after await";

    private static StoredWindow AttributedWindow(string service, long sequence, int second, string method = AttributionMethods.Unknown, string note = "") =>
        new(service, "h", "agent-" + service, sequence, 1, "p", Day.AddHours(5).AddSeconds(second), Day.AddHours(5).AddSeconds(second + 5), "cpu", 1,
            CallTreeCodec.Serialize(Tree(("a", 1))), AttributionMethod: method, AttributionNote: note);

    [Fact]
    public async Task A_window_keeps_its_attribution_and_windows_are_counted_by_method_and_note()
    {
        var service = "attr-" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await _store.TryAddWindowAsync(AttributedWindow(service, 1, 0, AttributionMethods.Timeline)));
        Assert.True(await _store.TryAddWindowAsync(AttributedWindow(service, 2, 1, AttributionMethods.Threads, FallbackNote)));
        Assert.True(await _store.TryAddWindowAsync(AttributedWindow(service, 3, 2, AttributionMethods.Threads, FallbackNote)));
        Assert.True(await _store.TryAddWindowAsync(AttributedWindow(service, 4, 3, AttributionMethods.Off)));
        // A silo of an older version (rolling upgrade) inserts without the columns: "unknown".
        await InsertRawWindowAsync(AttributedWindow(service, 5, 4, AttributionMethods.Timeline));
        // Outside the range counted below.
        Assert.True(await _store.TryAddWindowAsync(AttributedWindow(service, 6, 3600, AttributionMethods.Threads, "other")));

        var from = Day.AddHours(5);
        var read = await _store.ReadWindowsAsync(service, null, from, from.AddMinutes(1), 10);
        Assert.Equal([(AttributionMethods.Timeline, ""), (AttributionMethods.Threads, FallbackNote), (AttributionMethods.Threads, FallbackNote), (AttributionMethods.Off, ""), (AttributionMethods.Unknown, "")],
            read.Select(w => (w.AttributionMethod, w.AttributionNote)));
        Assert.Equal([(AttributionMethods.Threads, FallbackNote, 2), (AttributionMethods.Off, "", 1), (AttributionMethods.Timeline, "", 1), (AttributionMethods.Unknown, "", 1)],
            await _store.CountAttributionsAsync(service, from, from.AddMinutes(1), 10));
        Assert.Equal(2, (await _store.CountAttributionsAsync(service, from, from.AddHours(2), 2)).Count);

        // The rollup reads them back too (its chunk is read with the same columns).
        Assert.Contains(await _store.ReadUncompactedAsync(100), w => w.AgentId == "agent-" + service && w.AttributionNote == FallbackNote);
    }

    [Fact]
    public async Task A_store_from_before_the_attribution_columns_upgrades_and_reads_its_windows_as_unknown()
    {
        var service = "attr-old-" + Guid.NewGuid().ToString("N")[..8];
        await DropAttributionColumnsAsync();
        await InsertRawWindowAsync(AttributedWindow(service, 1, 0));
        _store = await ReopenAsync();
        // Applying the schema again changes nothing.
        _store = await ReopenAsync();
        Assert.True(await _store.TryAddWindowAsync(AttributedWindow(service, 2, 1, AttributionMethods.Threads, FallbackNote)));

        var from = Day.AddHours(5);
        var read = await _store.ReadWindowsAsync(service, null, from, from.AddMinutes(1), 10);
        Assert.Equal([(AttributionMethods.Unknown, ""), (AttributionMethods.Threads, FallbackNote)], read.Select(w => (w.AttributionMethod, w.AttributionNote)));
        Assert.Equal([(AttributionMethods.Threads, FallbackNote, 1), (AttributionMethods.Unknown, "", 1)],
            await _store.CountAttributionsAsync(service, from, from.AddMinutes(1), 10));
    }

    /// <summary>Drops the service version column, as a store from before deploy/sql/14-service-version.sql was.</summary>
    protected abstract Task DropServiceVersionColumnAsync();

    private static StoredWindow VersionedWindow(string service, string host, long sequence, int second, string version, CallTree tree) =>
        new(service, host, "agent-" + service, sequence, 1, "p", Day.AddHours(6).AddSeconds(second), Day.AddHours(6).AddSeconds(second + 10), "cpu", 1,
            CallTreeCodec.Serialize(tree), ServiceVersion: version);

    [Fact]
    public async Task Windows_keep_their_service_version_a_version_read_selects_them_and_versions_list_with_first_and_last_seen()
    {
        var service = "ver-" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await _store.TryAddWindowAsync(VersionedWindow(service, "h1", 1, 0, "1.0", Tree(("main;fast", 3)))));
        Assert.True(await _store.TryAddWindowAsync(VersionedWindow(service, "h2", 2, 60, "1.0", Tree(("main;fast", 2), ("main;shared", 1)))));
        Assert.True(await _store.TryAddWindowAsync(VersionedWindow(service, "h1", 3, 120, "2.0+abc", Tree(("main;slow", 5)))));
        // A silo of an older version (rolling upgrade) inserts without the column: no version.
        await InsertRawWindowAsync(VersionedWindow(service, "h1", 4, 30, "ignored", Tree(("main;old", 7))));
        var from = Day.AddHours(6);
        var to = from.AddMinutes(10);

        var v1 = await _store.ReadVersionWindowsAsync(service, null, "1.0", from, to, 10);
        Assert.Equal([1L, 2L], v1.Windows.Select(w => w.Sequence));
        Assert.All(v1.Windows, w => Assert.Equal("1.0", w.ServiceVersion));
        // Rows read by version decode through the service's frame dictionary like any other read.
        Assert.Equal("main;fast 3\n", Folded(v1.Windows[0].DecodeTree()));
        Assert.Empty(v1.Buckets);
        Assert.False(v1.Truncated);
        Assert.Equal([2L], (await _store.ReadVersionWindowsAsync(service, "h2", "1.0", from, to, 10)).Windows.Select(w => w.Sequence));
        Assert.Equal([3L], (await _store.ReadVersionWindowsAsync(service, null, "2.0+abc", from, to, 10)).Windows.Select(w => w.Sequence));
        Assert.Empty((await _store.ReadVersionWindowsAsync(service, null, "3.0", from, to, 10)).Windows);
        Assert.Empty((await _store.ReadVersionWindowsAsync(service, null, "1.0", from.AddMinutes(2), to, 10)).Windows);
        var capped = await _store.ReadVersionWindowsAsync(service, null, "1.0", from, to, 1);
        Assert.Equal([1L], capped.Windows.Select(w => w.Sequence));
        Assert.True(capped.Truncated);

        var versions = await _store.ReadVersionsAsync(service, null, 10);
        Assert.Equal(
            [new ServiceVersionInfo("2.0+abc", from.AddSeconds(120), from.AddSeconds(130), 1, 1), new ServiceVersionInfo("1.0", from, from.AddSeconds(70), 2, 2)],
            versions.Versions);
        Assert.Equal(1, versions.UnversionedWindows);
        Assert.False(versions.Truncated);
        var newest = await _store.ReadVersionsAsync(service, null, 1);
        Assert.Equal(["2.0+abc"], newest.Versions.Select(v => v.Version));
        Assert.True(newest.Truncated);
        Assert.Equal(["1.0"], (await _store.ReadVersionsAsync(service, "h2", 10)).Versions.Select(v => v.Version));

        // The reader merges one version's windows, before and after the rollup compacted them (versions stay on raw windows).
        Assert.Equal("main;fast 5\nmain;shared 1\n", Folded((await Reader().ReadVersionAsync(service, null, null, "1.0", from, to, 100)).Tree));
        await Rollup().RunAsync();
        var after = await Reader().ReadVersionAsync(service, null, null, "1.0", from, to, 100);
        Assert.Equal("main;fast 5\nmain;shared 1\n", Folded(after.Tree));
        Assert.Equal(2, after.Windows);
        Assert.Equal((from, from.AddSeconds(70)), (after.CoveredFrom, after.CoveredTo));
    }

    [Fact]
    public async Task A_store_from_before_the_service_version_column_upgrades_and_reads_its_windows_without_a_version()
    {
        var service = "ver-old-" + Guid.NewGuid().ToString("N")[..8];
        await DropServiceVersionColumnAsync();
        await InsertRawWindowAsync(VersionedWindow(service, "h1", 1, 0, "ignored", Tree(("a", 1))));
        _store = await ReopenAsync();
        _store = await ReopenAsync();
        Assert.True(await _store.TryAddWindowAsync(VersionedWindow(service, "h1", 2, 1, "1.0", Tree(("b", 1)))));

        var read = await _store.ReadWindowsAsync(service, null, Day.AddHours(6), Day.AddHours(7), 10);
        Assert.Equal(["", "1.0"], read.Select(w => w.ServiceVersion));
        var versions = await _store.ReadVersionsAsync(service, null, 10);
        Assert.Equal(["1.0"], versions.Versions.Select(v => v.Version));
        Assert.Equal(1, versions.UnversionedWindows);
    }

    [Fact]
    public async Task Original_source_paths_are_kept_per_service_latest_wins_and_a_duplicate_window_changes_nothing()
    {
        var service = "paths-" + Guid.NewGuid().ToString("N")[..8];
        var w = new StoredWindow(service, "h", "agent-paths-" + service, 1, 1, "p", Day, Day.AddSeconds(10), "cpu", 1, CallTreeCodec.Serialize(Tree(("a", 1))),
            SourcePaths: [new("src/A.cs", "/build/1/src/A.cs"), new("src/B.cs", "/build/1/src/B.cs")]);
        Assert.True(await _store.TryAddWindowAsync(w));
        // A resend of the same window with other paths is a duplicate: nothing it carries is applied.
        Assert.False(await _store.TryAddWindowAsync(w with { SourcePaths = [new("src/A.cs", "/elsewhere/A.cs")] }));
        Assert.True(await _store.TryAddWindowAsync(w with { Sequence = 2, SourcePaths = [new("src/B.cs", "/build/2/src/B.cs")] }));

        var originals = await _store.ReadOriginalPathsAsync(service, ["src/A.cs", "src/B.cs", "src/C.cs"]);
        Assert.Equal(new Dictionary<string, string> { ["src/A.cs"] = "/build/1/src/A.cs", ["src/B.cs"] = "/build/2/src/B.cs" }, originals);
        Assert.Empty(await _store.ReadOriginalPathsAsync("other-" + service, ["src/A.cs"]));
    }

    [Fact]
    public async Task Route_minutes_are_stored_once_per_agent_sequence_and_add_up_across_hosts()
    {
        var service = "routes-" + Guid.NewGuid().ToString("N")[..8];
        var minute = Day.AddHours(3);
        RouteMinute Row(string route, long requests, double p50) => new(minute, "GET", route, "2xx", requests, requests * 10.0, p50, p50 * 2, p50 * 3);

        Assert.True(await _store.TryAddRouteMinutesAsync(service, "h1", "agent-r1", 1, [Row("/items/{id}", 30, 10), Row("/orders", 5, 40)]));
        // A resend of the same batch stores nothing, whatever it carries.
        Assert.False(await _store.TryAddRouteMinutesAsync(service, "h1", "agent-r1", 1, [Row("/items/{id}", 999, 1)]));
        Assert.True(await _store.TryAddRouteMinutesAsync(service, "h2", "agent-r2", 1, [Row("/items/{id}", 10, 30)]));
        Assert.True(await _store.TryAddRouteMinutesAsync(service, "h2", "agent-r2", 2, [new RouteMinute(minute.AddMinutes(1), "GET", "/orders", "5xx", 2, 8, 4, 4, 4)]));

        var rows = await _store.ReadRouteMinutesAsync(service, minute, minute.AddMinutes(2));
        Assert.Equal(
            [(minute, "GET", "/items/{id}", "2xx", 40L, 400.0, 15.0), (minute, "GET", "/orders", "2xx", 5L, 50.0, 40.0), (minute.AddMinutes(1), "GET", "/orders", "5xx", 2L, 8.0, 4.0)],
            rows.Select(r => (r.Minute, r.Method, r.Route, r.StatusClass, r.Requests, r.DurationSumMs, r.P50Ms)));
        Assert.Empty(await _store.ReadRouteMinutesAsync(service, minute.AddMinutes(2), minute.AddMinutes(3)));
    }

    [Fact]
    public async Task Rollup_day_bucket_equals_the_merge_of_its_minutes_and_of_its_hosts_hours()
    {
        var all = await SeedDayAsync("svc");
        var result = await Rollup().RunAsync();
        Assert.Equal(18, result.Windows);

        var minutes = await _store.ReadBucketsAsync(BucketLevel.Minute, "svc", "", Day, Day.AddDays(1));
        var day = Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Day, "svc", "", Day, Day.AddDays(1)));
        var mergedMinutes = new CallTree();
        foreach (var m in minutes) mergedMinutes.MergeFrom(m.DecodeTree());
        Assert.Equal(9, minutes.Count);
        Assert.Equal(Folded(mergedMinutes), Folded(day.DecodeTree()));
        Assert.Equal(Folded(all), Folded(day.DecodeTree()));
        Assert.Equal(18, day.Windows);

        var hostHours = new CallTree();
        foreach (var host in new[] { "h1", "h2" })
        {
            foreach (var h in await _store.ReadBucketsAsync(BucketLevel.Hour, "svc", host, Day, Day.AddDays(1)))
                hostHours.MergeFrom(h.DecodeTree());
        }

        Assert.Equal(Folded(all), Folded(hostHours));
    }

    [Fact]
    public async Task A_spent_time_budget_ends_a_run_after_one_chunk_and_says_more_and_the_runs_that_follow_finish_the_queue()
    {
        var all = await SeedDayAsync("budget");
        var runs = new List<RollupResult>();
        do runs.Add(await Rollup().RunAsync(budget: TimeSpan.Zero));
        while (runs[^1].More);

        // 18 windows in chunks of 7: each budget-bound run commits exactly one chunk; the last run finds the queue empty.
        Assert.Equal([7, 7, 4, 0], runs.Select(r => r.Windows));
        Assert.Equal([true, true, true, false], runs.Select(r => r.More));
        var day = Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Day, "budget", "", Day, Day.AddDays(1)));
        Assert.Equal(18, day.Windows);
        Assert.Equal(Folded(all), Folded(day.DecodeTree()));

        // Without a budget a run ends only on an empty queue (or its chunk limit).
        var more = await SeedDayAsync("budget2");
        var whole = await Rollup().RunAsync();
        Assert.Equal(18, whole.Windows);
        Assert.False(whole.More);
        var limited = await Rollup().RunAsync(maxChunks: 1);
        Assert.Equal(0, limited.Windows);
        Assert.False(limited.More);
        Assert.Equal(Folded(more), Folded(Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Day, "budget2", "", Day, Day.AddDays(1))).DecodeTree()));
    }

    [Fact]
    public async Task Chunks_that_take_more_than_half_the_budget_shrink_and_fast_ones_grow_back_without_losing_a_window()
    {
        var all = await SeedDayAsync("adapt");
        var clock = new SteppingClock { Step = TimeSpan.FromSeconds(20) };
        var rollup = new ProfileRollup(_store, _options, clock, NullLogger<ProfileRollup>.Instance);
        var budget = TimeSpan.FromSeconds(10);

        // Every chunk takes 20 s of a 10 s budget: each run ends after one chunk, and each next chunk is half as big.
        var slow = new List<RollupResult>();
        for (var i = 0; i < 3; i++) slow.Add(await rollup.RunAsync(budget: budget));
        Assert.Equal([7, 3, 1], slow.Select(r => r.Windows));
        Assert.All(slow, r => Assert.True(r.More));
        Assert.Equal(1, rollup.ChunkSize);

        // Chunks of 0.5 s (under an eighth of the budget): the size doubles back towards RollupChunk (7) and one run
        // finishes the queue (1 + 2 + 4 windows).
        clock.Step = TimeSpan.FromSeconds(0.5);
        var fast = await rollup.RunAsync(budget: budget);
        Assert.Equal(7, fast.Windows);
        Assert.False(fast.More);
        Assert.Equal(7, rollup.ChunkSize);

        var day = Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Day, "adapt", "", Day, Day.AddDays(1)));
        Assert.Equal(18, day.Windows);
        Assert.Equal(Folded(all), Folded(day.DecodeTree()));
    }

    [Fact]
    public async Task A_query_answers_the_same_before_and_after_compaction_and_with_a_late_window()
    {
        var all = await SeedDayAsync("q");
        var before = await Reader().ReadAsync("q", null, Day, Day.AddDays(1), 1000);
        Assert.Equal(Folded(all), Folded(before.Tree));

        await Rollup().RunAsync();
        var after = await Reader().ReadAsync("q", null, Day, Day.AddDays(1), 1000);
        Assert.Equal(Folded(all), Folded(after.Tree));
        Assert.Equal(18, after.Windows);

        // A window for an already compacted minute arrives late: uncompacted it is read raw, then rolled in.
        var late = Tree(("main;late", 9));
        all.MergeFrom(late);
        await AddAsync("q", "h3", Day.AddHours(7).AddMinutes(1).AddSeconds(5), late);
        Assert.Equal(Folded(all), Folded((await Reader().ReadAsync("q", null, Day, Day.AddDays(1), 1000)).Tree));
        await Rollup().RunAsync();
        Assert.Equal(Folded(all), Folded((await Reader().ReadAsync("q", null, Day, Day.AddDays(1), 1000)).Tree));

        // One host over part of a day: hour buckets plus raw edges.
        var h1 = await Reader().ReadAsync("q", "h1", Day.AddHours(6).AddMinutes(30), Day.AddHours(23).AddMinutes(1), 1000);
        Assert.Equal(4, h1.Windows); // 07:00, 07:01, 07:59 and 23:00
    }

    [Fact]
    public async Task Buckets_over_their_node_cap_fold_into_other_with_exact_totals()
    {
        _options.MinuteNodes = 100;
        var stacks = Enumerable.Range(0, 300).Select(i => ($"main;f{i};g{i}", (long)(i + 1))).ToArray();
        await AddAsync("cap", "h1", Day.AddMinutes(5), Tree(stacks));
        await Rollup().RunAsync();

        var minute = Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Minute, "cap", "", Day, Day.AddDays(1))).DecodeTree();
        Assert.True(minute.NodeCount <= 100, $"{minute.NodeCount} nodes");
        Assert.Equal(stacks.Sum(s => s.Item2), minute.Total.CpuSamples);
        Assert.Contains(Frame.OtherName, Folded(minute));
    }

    [Fact]
    public async Task An_alloc_window_in_a_bucket_leaves_the_cpu_seconds_of_its_cpu_windows_whole()
    {
        // 100 CPU samples every 10 ms = 1 s of CPU, and an alloc window (no thread samples, interval 0) in the same minute.
        await AddAsync("ival", "h1", Day.AddMinutes(3), Tree(("main;a", 100)), "cpu", 10);
        var alloc = new CallTree();
        alloc.Add([new Frame("main"), new Frame("b")], SampleValues.Alloc(1 << 20, 10));
        await AddAsync("ival", "h1", Day.AddMinutes(3).AddSeconds(20), alloc, "alloc", 0);
        await Rollup().RunAsync();
        var minute = Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Minute, "ival", "", Day, Day.AddDays(1)));
        Assert.Equal((2, 10.0), (minute.Windows, minute.SamplingIntervalMs));

        // A later window at 20 ms merges into the stored bucket: 1 s + 50 × 20 ms = 2 s over 150 samples.
        await AddAsync("ival", "h1", Day.AddMinutes(3).AddSeconds(40), Tree(("main;a", 50)), "cpu", 20);
        await Rollup().RunAsync();
        foreach (var level in new[] { BucketLevel.Minute, BucketLevel.Hour, BucketLevel.Day })
        {
            var bucket = Assert.Single(await _store.ReadBucketsAsync(level, "ival", "", Day, Day.AddDays(1)));
            Assert.Equal(2.0, bucket.DecodeTree().Total.CpuSamples * bucket.SamplingIntervalMs / 1000, 9);
        }
    }

    /// <summary>
    /// In-use is a gauge (GaugeLevel): a service bucket adds hosts, processes and the parts of a window at one minute,
    /// then keeps the peak over minutes; a host's hour bucket the peak of that host's own level. Windows of a minute
    /// arrive in two rollups (the second host late), as they do when agents upload at different times.
    /// </summary>
    [Fact]
    public async Task Inuse_buckets_add_hosts_processes_and_parts_at_one_minute_and_keep_the_peak_over_minutes()
    {
        var service = "gauge-" + Guid.NewGuid().ToString("N")[..8];
        static CallTree Held(long bytes, string site = "cache")
        {
            var tree = new CallTree();
            tree.Add([new Frame("main"), new Frame(site), new Frame("[alloc] System.Byte[]")], new SampleValues(0, 0, 3 * bytes, 3, bytes, 1));
            return tree;
        }
        var m0 = Day.AddHours(5);
        var m1 = m0.AddMinutes(1);
        // Minute 0: h1 pid 1 holds 40 KB, in a window split into two batches (two parts, same start and end); h1 pid 2 holds 5 KB.
        await AddAsync(service, "h1", m0.AddSeconds(5), Held(30_000), "inuse", 0);
        await AddAsync(service, "h1", m0.AddSeconds(5), Held(10_000), "inuse", 0);
        await AddAsync(service, "h1", m0.AddSeconds(8), Held(5_000, "other"), "inuse", 0, pid: 2);
        // Minute 1: h1 pid 1 holds 10 KB.
        await AddAsync(service, "h1", m1.AddSeconds(5), Held(10_000), "inuse", 0);
        await Rollup().RunAsync();
        // Late: h2 uploads its windows of both minutes after the first rollup: 25 KB in minute 0, 50 KB in minute 1.
        await AddAsync(service, "h2", m0.AddSeconds(40), Held(25_000), "inuse", 0);
        await AddAsync(service, "h2", m1.AddSeconds(40), Held(50_000), "inuse", 0);
        await Rollup().RunAsync();

        async Task<SampleValues> Bucket(BucketLevel level, string host, DateTimeOffset start) =>
            Assert.Single(await _store.ReadBucketsAsync(level, service, host, start, start + level.Length())).DecodeTree().Total;

        // Minute 0: 40 + 5 + 25 KB (not the largest window, 30 KB); minute 1: 10 + 50 KB.
        Assert.Equal((70_000L, 4L), ((await Bucket(BucketLevel.Minute, "", m0)).InuseBytes, (await Bucket(BucketLevel.Minute, "", m0)).InuseCount));
        Assert.Equal(60_000, (await Bucket(BucketLevel.Minute, "", m1)).InuseBytes);
        // Hour and day: the peak of the minutes, per node: "cache" peaks at 65 KB in minute 0 and 60 KB in minute 1.
        foreach (var level in new[] { BucketLevel.Hour, BucketLevel.Day })
        {
            var bucket = await Bucket(level, "", level.Floor(m0));
            Assert.Equal(70_000, bucket.InuseBytes);
            Assert.Equal(3 * (30_000 + 10_000 + 5_000 + 10_000 + 25_000 + 50_000L), bucket.AllocBytes); // counters still add
        }
        // Hosts' hours: h1 peaks at 45 KB (minute 0), h2 at 50 KB (minute 1).
        Assert.Equal(45_000, (await Bucket(BucketLevel.Hour, "h1", BucketLevel.Hour.Floor(m0))).InuseBytes);
        Assert.Equal(50_000, (await Bucket(BucketLevel.Hour, "h2", BucketLevel.Hour.Floor(m0))).InuseBytes);
        // An in-use query answers the latest from raw windows: per process its newest window, h1 pid 1 10 KB (minute 1),
        // h1 pid 2 5 KB, h2 50 KB (minute 1).
        var range = new Abstractions.Profiles.TimeRange(Day, Day.AddDays(1));
        var latest = await InuseSnapshot.ReadAsync(_store, Reader(), service, null, range, 1000);
        Assert.Equal(65_000, CallTreeCodec.Deserialize(latest.Tree).Total.InuseBytes);
        Assert.StartsWith("in use: the latest inuse window of each of 3 process(es), ending between ", latest.Note);
        // Once the raw windows have expired, the buckets' peak, and the note says it is not the latest.
        await _store.DeleteExpiredAsync(Day.AddDays(1), DateTimeOffset.MinValue, DateTimeOffset.MinValue, DateTimeOffset.MinValue);
        var peaks = await InuseSnapshot.ReadAsync(_store, Reader(), service, null, range, 1000);
        Assert.Equal(70_000, CallTreeCodec.Deserialize(peaks.Tree).Total.InuseBytes);
        Assert.Equal(InuseSnapshot.PeaksNote, peaks.Note);
        Assert.Contains("not the latest", peaks.Note);
    }

    [Fact]
    public async Task Keeping_endpoints_reads_every_endpoint_root_before_and_after_compaction_and_refuses_an_endpoint_beside_it()
    {
        var tree = new CallTree();
        tree.Add([Frame.Endpoint("GET /a"), new Frame("main"), new Frame("a")], SampleValues.Cpu(5));
        tree.Add([Frame.Endpoint("GET /b"), new Frame("main"), new Frame("b")], SampleValues.Cpu(3));
        await AddAsync("keep", "h1", Day.AddMinutes(2), tree);

        foreach (var compacted in new[] { false, true })
        {
            if (compacted) await Rollup().RunAsync();
            var kept = await Reader().ReadAsync("keep", null, Day, Day.AddDays(1), 1000, keepEndpoints: true);
            Assert.Equal([("GET /a", 5L), ("GET /b", 3L)], kept.Tree.EndpointTotals().Select(e => (e.Endpoint, e.Values.CpuSamples)));
            var folded = await Reader().ReadAsync("keep", null, Day, Day.AddDays(1), 1000);
            Assert.Empty(folded.Tree.EndpointTotals());
            Assert.Equal(8, folded.Tree.Total.CpuSamples);
            var one = await Reader().ReadAsync("keep", null, Day, Day.AddDays(1), 1000, endpoint: "GET /b");
            Assert.Equal(3, one.Tree.Total.CpuSamples);
        }
        await Assert.ThrowsAsync<ArgumentException>(() => Reader().ReadAsync("keep", null, Day, Day.AddDays(1), 1000, endpoint: "GET /a", keepEndpoints: true));
    }

    /// <summary>
    /// A range of several buckets reuses the merge of all but its newest bucket: asked again it answers the same, and a
    /// late window rolled into an older bucket or into the newest one is in the next answer.
    /// </summary>
    [Fact]
    public async Task A_repeated_range_of_many_buckets_sees_every_change_to_any_of_them()
    {
        var all = new CallTree();
        async Task Add(int hour, int minute, string stack, long cpu)
        {
            var tree = Tree(("main;" + stack, cpu), ("main;shared", 1));
            all.MergeFrom(tree);
            await AddAsync("many", "h" + hour, Day.AddHours(hour).AddMinutes(minute), tree);
        }
        foreach (var hour in new[] { 1, 2, 3, 4 }) await Add(hour, 0, $"hour{hour}", hour * 10);
        await Rollup().RunAsync();
        var reader = Reader();
        async Task<ProfileRead> Read() => await reader.ReadAsync("many", null, Day, Day.AddHours(12), 1000);

        var first = await Read();
        Assert.Equal(4, first.BucketsRead);
        Assert.Equal(Folded(all), Folded(first.Tree));
        var again = await Read();
        Assert.Equal(Folded(all), Folded(again.Tree));
        Assert.Equal(4, again.Windows);

        // Late into an older (settled) bucket: raw before the rollup, in its bucket after.
        await Add(2, 30, "late", 7);
        Assert.Equal(Folded(all), Folded((await Read()).Tree));
        await Rollup().RunAsync();
        var afterOlder = await Read();
        Assert.Equal(Folded(all), Folded(afterOlder.Tree));
        Assert.Equal(5, afterOlder.Windows);
        Assert.Equal(0, afterOlder.RawWindowsRead);

        // Into the newest bucket, and a new bucket that becomes the newest.
        await Add(4, 10, "newest", 3);
        await Add(5, 0, "hour5", 50);
        await Rollup().RunAsync();
        var afterNewest = await Read();
        Assert.Equal(Folded(all), Folded(afterNewest.Tree));
        Assert.Equal(7, afterNewest.Windows);
        Assert.Equal(5, afterNewest.BucketsRead);
        Assert.Equal(all.Total, afterNewest.Tree.Total);
    }

    /// <summary>
    /// A database written before the store compressed its rows (plain and deflated trees) still answers queries and
    /// rolls up: old rows are read as they are, new windows and rewritten buckets are stored compact.
    /// </summary>
    [Fact]
    public async Task A_store_with_rows_in_the_old_encoding_still_answers_queries_and_rolls_up()
    {
        var oldBucket = Tree(("main;a;b", 40), ("main;d", 2));
        var oldPlain = Tree(("main;a;b", 3), ("main;x", 5));
        var oldDeflated = Tree(("main;a;c", 7));
        var fresh = Tree([.. Enumerable.Range(0, 30).Select(i => ($"main;System.Threading.ThreadPoolWorkQueue.Dispatch();App.Handlers.Handler{i % 5}.HandleAsync(Request);leaf{i}", (long)i + 1))]);
        await InsertRawBucketAsync(new StoredBucket(BucketLevel.Day, "old", "", Day, 2, 1, CallTreeCodec.Serialize(oldBucket)));
        await InsertRawWindowAsync(new StoredWindow("old", "h1", "agent-old", 1, 1, "p", Day.AddHours(7), Day.AddHours(7).AddSeconds(10), "cpu", 1, CallTreeCodec.Serialize(oldPlain)));
        await InsertRawWindowAsync(new StoredWindow("old", "h2", "agent-old", 2, 1, "p", Day.AddHours(7).AddMinutes(1), Day.AddHours(7).AddMinutes(1).AddSeconds(10), "cpu", 1, CallTreeCodec.Serialize(oldDeflated, compress: true)));
        await AddAsync("old", "h1", Day.AddHours(7).AddMinutes(2), fresh);
        var all = new CallTree();
        foreach (var t in new[] { oldBucket, oldPlain, oldDeflated, fresh }) all.MergeFrom(t);

        var before = await Reader().ReadAsync("old", null, Day, Day.AddDays(1), 1000);
        Assert.Equal(Folded(all), Folded(before.Tree));
        Assert.Equal(5, before.Windows);
        var stored = await _store.ReadWindowsAsync("old", null, Day, Day.AddDays(1), 10);
        Assert.Equal([0, 1, 6], stored.Select(w => w.Tree[5]).ToArray());   // flags: plain and deflate kept, the new one Brotli with frame ids
        Assert.True(stored[2].Tree.Length < CallTreeCodec.Serialize(fresh).Length, $"{stored[2].Tree.Length} bytes stored");

        var result = await Rollup().RunAsync();
        Assert.Equal(3, result.Windows);
        Assert.Equal(0, result.QuarantinedTotal);
        var after = await Reader().ReadAsync("old", null, Day, Day.AddDays(1), 1000);
        Assert.Equal(Folded(all), Folded(after.Tree));
        Assert.Equal(5, after.Windows);
        var day = Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Day, "old", "", Day, Day.AddDays(1)));
        Assert.Equal(5, day.Windows);
        Assert.Equal(2, day.Tree[5]);   // rewritten compact, self-contained: the old rows' frames are not in the dictionary
        Assert.Equal(Folded(all), Folded(day.DecodeTree()));
        var hour = Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Hour, "old", "", Day.AddHours(7), Day.AddHours(8)));
        Assert.Equal(3, hour.Windows);
    }

    /// <summary>Stacks with long names from a pool, as a profiler reports them: what the frame dictionary is for.</summary>
    private static CallTree NamedTree(int seed, int stacks = 40, string prefix = "")
    {
        var rng = new Random(seed);
        var tree = new CallTree();
        for (var s = 0; s < stacks; s++)
        {
            var frames = new Frame[8];
            frames[0] = new Frame("System.Private.CoreLib!System.Threading.ThreadPoolWorkQueue.Dispatch()");
            for (var d = 1; d < frames.Length; d++)
            {
                var f = rng.Next(30);
                frames[d] = new Frame($"{prefix}Checkout.Api!Checkout.Api.Orders.Order{f}Handler.Handle{f}Async(System.Threading.CancellationToken)", $"src/Checkout.Api/Orders/Order{f}Handler.cs", 10 + f);
            }
            tree.Add(frames, SampleValues.Cpu(1 + rng.Next(9)));
        }
        return tree;
    }

    private static int CountFlagged(IEnumerable<byte[]> trees) => trees.Count(t => CallTreeCodec.UsesDictionary(t));

    /// <summary>
    /// Windows and the buckets the rollup writes name their frames by id in the service's dictionary (one row per
    /// distinct frame, "[other]" first), are smaller than self-contained, and read the same through this store and
    /// through another store on the same database whose cache starts empty (another silo, or a restart).
    /// </summary>
    [Fact]
    public async Task Windows_and_buckets_name_their_frames_in_the_services_dictionary_and_another_silo_reads_them()
    {
        var all = new CallTree();
        var minutes = new[] { 0, 1, 61 };
        for (var i = 0; i < 6; i++)
        {
            var tree = NamedTree(i);
            all.MergeFrom(tree);
            await AddAsync("dict", i % 2 == 0 ? "h1" : "h2", Day.AddHours(3).AddMinutes(minutes[i % 3]).AddSeconds(i), tree);
        }
        var windows = await _store.ReadWindowsAsync("dict", null, Day, Day.AddDays(1), 100);
        Assert.Equal(6, windows.Count);
        Assert.All(windows, w => Assert.True(CallTreeCodec.UsesDictionary(w.Tree) && w.Frames is not null));
        Assert.All(windows, w => Assert.True(w.Tree.Length * 2 < CallTreeCodec.SerializeCompact(w.DecodeTree()).Length, $"{w.Tree.Length} bytes with ids"));
        Assert.Equal(CallTreeCodec.FramesUsed(all).Count + 1, await ScalarAsync("SELECT count(*) FROM profile_frame WHERE service = 'dict'"));
        Assert.Equal(1, await ScalarAsync($"SELECT count(*) FROM profile_frame WHERE service = 'dict' AND id = 0 AND function = '{Frame.OtherName}'"));
        var before = await Reader().ReadAsync("dict", null, Day, Day.AddDays(1), 1000);
        Assert.Equal(Folded(all), Folded(before.Tree));

        Assert.Equal(6, (await Rollup().RunAsync()).Windows);
        foreach (var level in new[] { BucketLevel.Minute, BucketLevel.Hour, BucketLevel.Day })
        {
            var buckets = await _store.ReadBucketsAsync(level, "dict", "", Day, Day.AddDays(1));
            Assert.NotEmpty(buckets);
            Assert.Equal(buckets.Count, CountFlagged(buckets.Select(b => b.Tree)));
        }
        var day = Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Day, "dict", "", Day, Day.AddDays(1)));
        Assert.Equal(Folded(all), Folded(day.DecodeTree()));

        var other = OpenAnother(new ServiceFrames());
        var fresh = new ProfileReader(other, _options, new Clock(() => DateTimeOffset.UtcNow));
        var after = await fresh.ReadAsync("dict", null, Day, Day.AddDays(1), 1000);
        Assert.Equal(Folded(all), Folded(after.Tree));
        Assert.Equal(6, after.Windows);
        Assert.Equal(Folded(all), Folded(CallTreeCodec.Deserialize(CallTreeCodec.Serialize(Assert.Single(await other.ReadBucketsAsync(BucketLevel.Day, "dict", "", Day, Day.AddDays(1))).DecodeTree()))));
        Assert.All(await other.ReadWindowsAsync("dict", "h1", Day, Day.AddDays(1), 100), w => Assert.NotNull(w.DecodeTree()));
    }

    /// <summary>
    /// A full dictionary takes no more frames: a window that brings new ones is stored self-contained (counted), one
    /// whose frames are all known still uses ids, and everything reads and rolls up the same.
    /// </summary>
    [Fact]
    public async Task Past_the_frame_cap_a_window_is_stored_self_contained_and_counted_and_still_reads_and_rolls_up()
    {
        var frames = new ServiceFrames(maxPerService: 6);
        var store = OpenAnother(frames);
        var first = Tree(("main;a;b", 3), ("main;c", 1));          // main, a, b, c and "[other]": 5 frames
        var newFrames = Tree(("main;x;y", 2), ("main;z", 4));      // x, y, z more: past 6
        var known = Tree(("main;a;c", 5));
        var all = new CallTree();
        long sequence = 0;
        foreach (var tree in new[] { first, newFrames, known })
        {
            all.MergeFrom(tree);
            Assert.True(await store.TryAddWindowAsync(new StoredWindow("capped", "h1", "agent-capped", ++sequence, 1, "p", Day.AddMinutes(sequence), Day.AddMinutes(sequence).AddSeconds(10), "cpu", 1, CallTreeCodec.Serialize(tree))));
        }
        Assert.Equal(1, frames.Fallbacks);
        Assert.Equal(5, await ScalarAsync("SELECT count(*) FROM profile_frame WHERE service = 'capped'"));
        var windows = await store.ReadWindowsAsync("capped", null, Day, Day.AddDays(1), 10);
        Assert.Equal([true, false, true], windows.Select(w => CallTreeCodec.UsesDictionary(w.Tree)).ToArray());
        Assert.Equal(Folded(all), Folded((await Reader().ReadAsync("capped", null, Day, Day.AddDays(1), 1000)).Tree));

        var rollup = new ProfileRollup(store, _options, new Clock(() => DateTimeOffset.UtcNow.AddSeconds(1)), NullLogger<ProfileRollup>.Instance);
        Assert.Equal(3, (await rollup.RunAsync()).Windows);
        var day = Assert.Single(await store.ReadBucketsAsync(BucketLevel.Day, "capped", "", Day, Day.AddDays(1)));
        Assert.False(CallTreeCodec.UsesDictionary(day.Tree));   // x, y and z have no ids: the bucket is self-contained
        Assert.Equal(Folded(all), Folded(day.DecodeTree()));
        var minute = Assert.Single(await store.ReadBucketsAsync(BucketLevel.Minute, "capped", "", Day.AddMinutes(1), Day.AddMinutes(2)));
        Assert.True(CallTreeCodec.UsesDictionary(minute.Tree));
        Assert.Equal(Folded(first), Folded(minute.DecodeTree()));
    }

    /// <summary>
    /// Two silos (two stores with caches of their own on one database) storing windows that bring the same new frames
    /// at the same time: each frame gets one id, ids stay dense, and every window reads back as stored.
    /// </summary>
    [Fact]
    public async Task Two_writers_adding_the_same_new_frames_at_once_give_each_frame_one_id()
    {
        var writers = new[] { OpenAnother(new ServiceFrames()), OpenAnother(new ServiceFrames()) };
        var expected = new CallTree();
        var tasks = new List<Task<bool>>();
        for (var k = 0; k < 12; k++)
        {
            // Window k of both writers: the same new frames (prefix k), different counts.
            for (var writer = 0; writer < 2; writer++)
            {
                var tree = NamedTree(100 + k, stacks: 10 + writer, prefix: $"R{k}.");
                expected.MergeFrom(tree);
                var w = new StoredWindow("race", $"h{writer}", $"agent-race-{writer}", k, 1, "p", Day.AddMinutes(k), Day.AddMinutes(k).AddSeconds(10), "cpu", 1, CallTreeCodec.Serialize(tree));
                var store = writers[writer];
                tasks.Add(Task.Run(() => store.TryAddWindowAsync(w)));
            }
        }
        Assert.All(await Task.WhenAll(tasks), Assert.True);
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM (SELECT function, coalesce(file, ''), line FROM profile_frame WHERE service = 'race' GROUP BY 1, 2, 3 HAVING count(*) > 1) AS d"));
        var count = await ScalarAsync("SELECT count(*) FROM profile_frame WHERE service = 'race'");
        Assert.Equal(count, await ScalarAsync("SELECT max(id) + 1 FROM profile_frame WHERE service = 'race'"));
        Assert.Equal(CallTreeCodec.FramesUsed(expected).Count + 1, count);

        var reader = new ProfileReader(OpenAnother(new ServiceFrames()), _options, new Clock(() => DateTimeOffset.UtcNow));
        var read = await reader.ReadAsync("race", null, Day, Day.AddDays(1), 1000);
        Assert.Equal(24, read.Windows);
        Assert.Equal(Folded(expected), Folded(read.Tree));
        Assert.Equal(24, CountFlagged((await _store.ReadWindowsAsync("race", null, Day, Day.AddDays(1), 100)).Select(w => w.Tree)));
    }

    [Fact]
    public async Task Retention_deletes_only_compacted_windows_and_old_buckets()
    {
        var old = Tree(("main;old", 3));
        await AddAsync("ret", "h1", Day.AddMinutes(1), old);
        // Not compacted yet: the window survives even though it is past the cut-off.
        await _store.DeleteExpiredAsync(Day.AddDays(1), DateTimeOffset.MinValue, DateTimeOffset.MinValue, DateTimeOffset.MinValue);
        Assert.Single(await _store.ReadWindowsAsync("ret", null, Day, Day.AddDays(1), 10));

        await Rollup().RunAsync();
        var deleted = await _store.DeleteExpiredAsync(Day.AddDays(1), Day.AddDays(1), DateTimeOffset.MinValue, DateTimeOffset.MinValue);
        Assert.True(deleted >= 2, $"deleted {deleted}"); // the window and the minute bucket
        Assert.Empty(await _store.ReadWindowsAsync("ret", null, Day, Day.AddDays(1), 10));
        Assert.Empty(await _store.ReadBucketsAsync(BucketLevel.Minute, "ret", "", Day, Day.AddDays(1)));
        Assert.Single(await _store.ReadBucketsAsync(BucketLevel.Hour, "ret", "", Day, Day.AddDays(1)));
    }
}

public sealed class SqliteProfileStoreTests : ProfileStoreTests
{
    private readonly TempDirectory _dir = new();

    private string DatabasePath => Path.Combine(_dir.Path, "profiles.db");

    protected override Task<IProfileStore> CreateStoreAsync() =>
        Task.FromResult<IProfileStore>(new SqliteProfileStore(DatabasePath, "NORMAL"));

    protected override Task InsertRawWindowAsync(StoredWindow w) => ExecuteAsync("""
        INSERT INTO profile_window (service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree, received_at)
        VALUES ($p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11, 0);
        INSERT INTO profile_rollup_queue (window_id) VALUES (last_insert_rowid());
        """, w.Service, w.Host, w.AgentId, w.Sequence, w.ProcessId, w.ProcessName, w.Start.ToUnixTimeMilliseconds(), w.End.ToUnixTimeMilliseconds(), w.Kinds, w.SamplingIntervalMs, w.Tree);

    protected override Task DropAttributionColumnsAsync() =>
        ExecuteAsync("ALTER TABLE profile_window DROP COLUMN attribution_method; ALTER TABLE profile_window DROP COLUMN attribution_note;");

    protected override Task<IProfileStore> ReopenAsync() => CreateStoreAsync();

    protected override Task DropServiceVersionColumnAsync() =>
        ExecuteAsync("DROP INDEX ix_profile_window_service_version; ALTER TABLE profile_window DROP COLUMN service_version;");

    protected override IProfileStore OpenAnother(ServiceFrames frames) => new SqliteProfileStore(DatabasePath, "NORMAL", frames);

    protected override async Task<long> ScalarAsync(string sql)
    {
        await using var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath}");
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    protected override Task InsertRawBucketAsync(StoredBucket b) => ExecuteAsync(
        "INSERT INTO profile_bucket (level, service, host, bucket_start, windows, sampling_interval_ms, tree) VALUES ($p1, $p2, $p3, $p4, $p5, $p6, $p7)",
        (int)b.Level, b.Service, b.Host, b.Start.ToUnixTimeMilliseconds(), b.Windows, b.SamplingIntervalMs, b.Tree);

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath}");
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < values.Length; i++) cmd.Parameters.AddWithValue($"$p{i + 1}", values[i]);
        await cmd.ExecuteNonQueryAsync();
    }

    public override Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class PostgresProfileStoreTests : ProfileStoreTests
{
    private NpgsqlDataSource? _source;
    private TestPostgres.ScratchDatabase? _database;

    protected override async Task<IProfileStore> CreateStoreAsync()
    {
        // A database of its own: the watermark is global, and cluster-mode silos of other tests run a rollup.
        _database = await TestPostgres.CreateEmptyDatabaseAsync();
        _source = NpgsqlDataSource.Create(_database.ConnectionString);
        await TestPostgres.ApplyProfileStoreSchemaAsync(_source);
        return new PostgresProfileStore(_source);
    }

    protected override async Task DropAttributionColumnsAsync()
    {
        await using var cmd = _source!.CreateCommand("ALTER TABLE profile_window DROP COLUMN attribution_method, DROP COLUMN attribution_note");
        await cmd.ExecuteNonQueryAsync();
    }

    protected override async Task DropServiceVersionColumnAsync()
    {
        // Drops its index with it.
        await using var cmd = _source!.CreateCommand("ALTER TABLE profile_window DROP COLUMN service_version");
        await cmd.ExecuteNonQueryAsync();
    }

    protected override async Task<IProfileStore> ReopenAsync()
    {
        await TestPostgres.ApplyProfileStoreSchemaAsync(_source!);
        return new PostgresProfileStore(_source!);
    }

    protected override IProfileStore OpenAnother(ServiceFrames frames) => new PostgresProfileStore(_source!, frames);

    protected override async Task<long> ScalarAsync(string sql)
    {
        await using var cmd = _source!.CreateCommand(sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    protected override async Task InsertRawWindowAsync(StoredWindow w)
    {
        await using var cmd = _source!.CreateCommand("""
            WITH w AS (
                INSERT INTO profile_window (service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id)
            INSERT INTO profile_rollup_queue (window_id) SELECT id FROM w
            """);
        foreach (var v in new object[] { w.Service, w.Host, w.AgentId, w.Sequence, w.ProcessId, w.ProcessName, w.Start.UtcDateTime, w.End.UtcDateTime, w.Kinds, w.SamplingIntervalMs, w.Tree })
            cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    protected override async Task InsertRawBucketAsync(StoredBucket b)
    {
        await using var cmd = _source!.CreateCommand("INSERT INTO profile_bucket (level, service, host, bucket_start, windows, sampling_interval_ms, tree) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        foreach (var v in new object[] { (short)b.Level, b.Service, b.Host, b.Start.UtcDateTime, b.Windows, b.SamplingIntervalMs, b.Tree })
            cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    public override async Task DisposeAsync()
    {
        if (_source is not null) await _source.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}
