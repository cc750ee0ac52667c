using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Grains.Storage;
using Microsoft.Data.Sqlite;

namespace FleetProfiler.Silo.Storage;

/// <summary>The profile store of single-node mode: a SQLite file in WAL mode (deploy/sql/10-profile-store.sql is the PostgreSQL twin).</summary>
public sealed partial class SqliteProfileStore : IProfileStore
{
    private const string WindowColumns = "service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree, id, attribution_method, attribution_note, service_version";

    private const int MaxGroup = 256;

    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly ServiceFrames _frames;
    // A window whose frames all have ids arrives encoded; one that brings new frames arrives with its tree, which the
    // writer encodes after giving the frames ids in the same transaction (FramesToAdd).
    private readonly System.Threading.Channels.Channel<(StoredWindow, FleetProfiler.Profiles.CallTree?, TaskCompletionSource<bool>)> _pending =
        System.Threading.Channels.Channel.CreateBounded<(StoredWindow, FleetProfiler.Profiles.CallTree?, TaskCompletionSource<bool>)>(
            new System.Threading.Channels.BoundedChannelOptions(4096) { SingleReader = true });

    /// <summary>Opens (or creates) the store; <paramref name="frames"/>: the frame dictionaries' cache and caps (defaults when null).</summary>
    public SqliteProfileStore(string databasePath, string synchronous, ServiceFrames? frames = null)
    {
        _frames = frames ?? new ServiceFrames();
        _synchronous = synchronous is "FULL" or "NORMAL" ? synchronous : throw new ArgumentException("FULL or NORMAL", nameof(synchronous));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var conn = Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS profile_window (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                service TEXT NOT NULL, host TEXT NOT NULL, agent_id TEXT NOT NULL, sequence INTEGER NOT NULL,
                process_id INTEGER NOT NULL, process_name TEXT NOT NULL,
                window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
                kinds TEXT NOT NULL, sampling_interval_ms REAL NOT NULL, tree BLOB NOT NULL,
                received_at INTEGER NOT NULL,
                attribution_method TEXT NOT NULL DEFAULT 'unknown', attribution_note TEXT NOT NULL DEFAULT '',
                UNIQUE (agent_id, sequence));
            CREATE INDEX IF NOT EXISTS ix_profile_window_service_time ON profile_window (service, window_start);
            CREATE INDEX IF NOT EXISTS ix_profile_window_host_time ON profile_window (service, host, window_start);
            CREATE TABLE IF NOT EXISTS profile_bucket (
                level INTEGER NOT NULL, service TEXT NOT NULL, host TEXT NOT NULL, bucket_start INTEGER NOT NULL,
                windows INTEGER NOT NULL, sampling_interval_ms REAL NOT NULL, tree BLOB NOT NULL,
                PRIMARY KEY (level, service, host, bucket_start)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS profile_rollup (id INTEGER PRIMARY KEY CHECK (id = 1), watermark INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS profile_source_path (
                service TEXT NOT NULL, path TEXT NOT NULL, original TEXT NOT NULL, seen_at INTEGER NOT NULL,
                PRIMARY KEY (service, path)) WITHOUT ROWID;
            INSERT INTO profile_rollup (id, watermark) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
            """;
        cmd.ExecuteNonQuery();
        AddAttributionColumns(conn);
        AddServiceVersionColumn(conn);
        CreateRouteMinuteTable(conn);
        CreateQueueTables(conn);
        CreateFrameTable(conn);
        _ = Task.Run(WriteLoopAsync);
    }

    public async Task<bool> TryAddWindowAsync(StoredWindow w, CancellationToken ct = default)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Encoded and compressed on the caller's thread, not in the single writer (unless it brings new frames).
        var (bytes, newFrames) = Encode(w);
        await _pending.Writer.WriteAsync((w with { Tree = bytes }, newFrames, done), ct);
        return await done.Task;
    }

    /// <summary>
    /// Group commit: one writer drains every pending insert into one transaction (one fsync for many windows),
    /// and no Orleans scheduler thread ever blocks on SQLite's single write lock.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        var batch = new List<(StoredWindow Window, FleetProfiler.Profiles.CallTree? NewFrames, TaskCompletionSource<bool> Done)>(MaxGroup);
        while (await _pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxGroup && _pending.Reader.TryRead(out var item)) batch.Add(item);
            var results = new bool[batch.Count];
            var added = new FramesToAdd(_frames);
            try
            {
                using var conn = Open();
                using var tx = conn.BeginTransaction();
                using var cmd = conn.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = """
                    INSERT INTO profile_window (service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree, received_at,
                                                attribution_method, attribution_note, service_version)
                    VALUES ($service, $host, $agent, $seq, $pid, $pname, $start, $end, $kinds, $interval, $tree, $now, $amethod, $anote, $version)
                    ON CONFLICT (agent_id, sequence) DO NOTHING
                    """;
                var p = new[] { "$service", "$host", "$agent", "$seq", "$pid", "$pname", "$start", "$end", "$kinds", "$interval", "$tree", "$now", "$amethod", "$anote", "$version" }
                    .Select(n => cmd.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                for (var i = 0; i < batch.Count; i++)
                {
                    var w = batch[i].Window;
                    if (batch[i].NewFrames is { } tree) w = w with { Tree = await added.EncodeAsync(this, conn, tx, w.Service, tree) };
                    object[] values = [w.Service, w.Host, w.AgentId, w.Sequence, w.ProcessId, w.ProcessName, w.Start.ToUnixTimeMilliseconds(), w.End.ToUnixTimeMilliseconds(), w.Kinds, w.SamplingIntervalMs, w.Tree, now, w.AttributionMethod, w.AttributionNote, w.ServiceVersion];
                    for (var j = 0; j < p.Length; j++) p[j].Value = values[j];
                    results[i] = cmd.ExecuteNonQuery() == 1;
                    if (results[i]) Enqueue(conn, tx);
                    if (results[i] && w.SourcePaths is { Count: > 0 } paths) WriteSourcePaths(conn, tx, w.Service, paths, now);
                }
                tx.Commit();
                // Only now, committed, do the new frames enter the cache.
                added.Publish();
            }
            catch (Exception e)
            {
                foreach (var (_, _, done) in batch) done.TrySetException(e);
                continue;
            }
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
        }
    }

    public async Task<IReadOnlyList<StoredWindow>> ReadWindowsAsync(string service, string? host, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default)
    {
        await using var conn = Open();
        return await QueryWindowsAsync(conn, null, service, host, from, to, queuedOnly: false, limit, ct);
    }

    public async Task<IReadOnlyList<StoredWindow>> ReadUncompactedAsync(int limit, CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT {WindowColumns} FROM profile_rollup_queue q JOIN profile_window w ON w.id = q.window_id ORDER BY q.window_id LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", limit);
        return await WithFramesAsync(conn, null, await ReadWindowRowsAsync(cmd, ct), ct);
    }

    public async Task<IReadOnlyList<StoredBucket>> ReadBucketsAsync(BucketLevel level, string service, string host, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var conn = Open();
        var list = new List<StoredBucket>();
        await QueryBucketsAsync(conn, null, level, service, host, from, to, list, ct);
        return list;
    }

    public async Task<RangeRead> ReadRangeAsync(string service, string? host, IReadOnlyList<RangePart> parts, int maxWindows, CancellationToken ct = default)
    {
        await using var conn = Open();
        // A read transaction in WAL mode is a snapshot: the rollup's commits in between are not seen.
        await using var tx = conn.BeginTransaction(deferred: true);
        var buckets = new List<StoredBucket>();
        var windows = new List<StoredWindow>();
        foreach (var part in parts)
        {
            if (part.Level is { } level)
                await QueryBucketsAsync(conn, tx, level, service, host ?? "", part.From, part.To, buckets, ct);
            var remaining = maxWindows + 1 - windows.Count;
            if (remaining <= 0) break;
            windows.AddRange(await QueryWindowsAsync(conn, tx, service, host, part.From, part.To, queuedOnly: part.Level is not null, remaining, ct));
        }
        await tx.CommitAsync(ct);
        var truncated = windows.Count > maxWindows;
        if (truncated) windows.RemoveAt(windows.Count - 1);
        return new RangeRead(buckets, windows, truncated);
    }

    /// <summary>
    /// Windows of a service (or one host) starting in [from, to): with <paramref name="queuedOnly"/> only those still
    /// queued for the rollup (not in the buckets yet), else all but quarantined ones.
    /// </summary>
    private async Task<IReadOnlyList<StoredWindow>> QueryWindowsAsync(SqliteConnection conn, SqliteTransaction? tx, string service, string? host,
        DateTimeOffset from, DateTimeOffset to, bool queuedOnly, int limit, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        var which = queuedOnly
            ? "EXISTS (SELECT 1 FROM profile_rollup_queue q WHERE q.window_id = w.id)"
            : "NOT EXISTS (SELECT 1 FROM profile_quarantine x WHERE x.window_id = w.id)";
        cmd.CommandText = $"""
            SELECT {WindowColumns} FROM profile_window w
            WHERE service = $service {(host is null ? "" : "AND host = $host")} AND window_start >= $from AND window_start < $to AND {which}
            ORDER BY window_start, id
            LIMIT $limit
            """;
        cmd.Parameters.AddWithValue("$service", service);
        if (host is not null) cmd.Parameters.AddWithValue("$host", host);
        cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$limit", limit);
        return await WithFramesAsync(conn, tx, await ReadWindowRowsAsync(cmd, ct), ct);
    }

    /// <summary>Appends the buckets of one level for a service (host "" = whole service) starting in [from, to).</summary>
    private async Task QueryBucketsAsync(SqliteConnection conn, SqliteTransaction? tx, BucketLevel level, string service, string host,
        DateTimeOffset from, DateTimeOffset to, List<StoredBucket> into, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            SELECT bucket_start, windows, sampling_interval_ms, tree FROM profile_bucket
            WHERE level = $level AND service = $service AND host = $host AND bucket_start >= $from AND bucket_start < $to
            ORDER BY bucket_start
            """;
        cmd.Parameters.AddWithValue("$level", (int)level);
        cmd.Parameters.AddWithValue("$service", service);
        cmd.Parameters.AddWithValue("$host", host);
        cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        var first = into.Count;
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                into.Add(new StoredBucket(level, service, host, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), r.GetInt32(1), r.GetDouble(2), (byte[])r.GetValue(3)));
        }
        await WithFramesAsync(conn, tx, into, first, ct);
    }

    public async Task<long> GetWatermarkAsync(CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT watermark FROM profile_rollup WHERE id = 1";
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
    }

    public async Task<long?> CommitRollupAsync(RollupCommit commit, CancellationToken ct = default)
    {
        await using var conn = Open();
        // BEGIN IMMEDIATE: the write lock first, so the compare-and-set sees every other rollup's commit.
        await using var tx = conn.BeginTransaction();
        if (await MoveWatermarkAsync(conn, tx, commit, ct) is not { } moved) return null;
        await using (var cmd = conn.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO profile_bucket (level, service, host, bucket_start, windows, sampling_interval_ms, tree)
                VALUES ($level, $service, $host, $start, $windows, $interval, $tree)
                ON CONFLICT (level, service, host, bucket_start) DO UPDATE SET windows = excluded.windows, sampling_interval_ms = excluded.sampling_interval_ms, tree = excluded.tree
                """;
            var level = cmd.Parameters.Add("$level", SqliteType.Integer);
            var service = cmd.Parameters.Add("$service", SqliteType.Text);
            var host = cmd.Parameters.Add("$host", SqliteType.Text);
            var start = cmd.Parameters.Add("$start", SqliteType.Integer);
            var windows = cmd.Parameters.Add("$windows", SqliteType.Integer);
            var interval = cmd.Parameters.Add("$interval", SqliteType.Real);
            var tree = cmd.Parameters.Add("$tree", SqliteType.Blob);
            foreach (var b in commit.Buckets)
            {
                level.Value = (int)b.Level;
                service.Value = b.Service;
                host.Value = b.Host;
                start.Value = b.Start.ToUnixTimeMilliseconds();
                windows.Value = b.Windows;
                interval.Value = b.SamplingIntervalMs;
                tree.Value = b.Tree;
                await cmd.ExecuteNonQueryAsync(ct);
            }
        }
        await QuarantineAsync(conn, tx, commit.Quarantined, ct);
        await tx.CommitAsync(ct);
        return moved;
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset windowsBefore, DateTimeOffset minutesBefore, DateTimeOffset hoursBefore, DateTimeOffset daysBefore, CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        // Only compacted windows go: an old window that arrives late is still rolled up first.
        cmd.CommandText = """
            DELETE FROM profile_window AS w WHERE window_start < $w AND NOT EXISTS (SELECT 1 FROM profile_rollup_queue q WHERE q.window_id = w.id);
            DELETE FROM profile_bucket WHERE (level = 1 AND bucket_start < $m) OR (level = 2 AND bucket_start < $h) OR (level = 3 AND bucket_start < $d);
            DELETE FROM route_minute WHERE minute < $m;
            DELETE FROM profile_quarantine WHERE quarantined_at < $d;
            """;
        cmd.Parameters.AddWithValue("$w", windowsBefore.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$m", minutesBefore.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$h", hoursBefore.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$d", daysBefore.ToUnixTimeMilliseconds());
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<IReadOnlyList<StoredWindow>> ReadWindowRowsAsync(SqliteCommand cmd, CancellationToken ct)
    {
        var list = new List<StoredWindow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(ReadWindow(r));
        return list;
    }

    private static StoredWindow ReadWindow(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt32(4), r.GetString(5),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
            r.GetString(8), r.GetDouble(9), (byte[])r.GetValue(10), r.GetInt64(11),
            AttributionMethod: r.GetString(12), AttributionNote: r.GetString(13), ServiceVersion: r.GetString(14));

    /// <summary>
    /// A store from before windows kept their attribution gets the columns, its rows reading <c>unknown</c> and "" (the
    /// SQLite twin of deploy/sql/13-window-attribution.sql). Idempotent: the columns are added only when missing.
    /// </summary>
    private static void AddAttributionColumns(SqliteConnection conn)
    {
        using var tx = conn.BeginTransaction();
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT count(*) FROM pragma_table_info('profile_window') WHERE name = 'attribution_method'";
        if (Convert.ToInt64(cmd.ExecuteScalar()) == 0)
        {
            cmd.CommandText = """
                ALTER TABLE profile_window ADD COLUMN attribution_method TEXT NOT NULL DEFAULT 'unknown';
                ALTER TABLE profile_window ADD COLUMN attribution_note TEXT NOT NULL DEFAULT '';
                """;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>
    /// A store from before windows kept their service version gets the column (rows reading "") and its index (the
    /// SQLite twin of deploy/sql/14-service-version.sql). Idempotent.
    /// </summary>
    private static void AddServiceVersionColumn(SqliteConnection conn)
    {
        using var tx = conn.BeginTransaction();
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT count(*) FROM pragma_table_info('profile_window') WHERE name = 'service_version'";
        if (Convert.ToInt64(cmd.ExecuteScalar()) == 0)
        {
            cmd.CommandText = "ALTER TABLE profile_window ADD COLUMN service_version TEXT NOT NULL DEFAULT ''";
            cmd.ExecuteNonQuery();
        }
        cmd.CommandText = "CREATE INDEX IF NOT EXISTS ix_profile_window_service_version ON profile_window (service, service_version, window_start)";
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    public async Task<RangeRead> ReadVersionWindowsAsync(string service, string? host, string version, DateTimeOffset from, DateTimeOffset to, int maxWindows, CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = $"""
            SELECT {WindowColumns} FROM profile_window w
            WHERE service = $service AND service_version = $version {(host is null ? "" : "AND host = $host")} AND window_start >= $from AND window_start < $to
              AND NOT EXISTS (SELECT 1 FROM profile_quarantine x WHERE x.window_id = w.id)
            ORDER BY window_start, id
            LIMIT $limit
            """;
        cmd.Parameters.AddWithValue("$service", service);
        cmd.Parameters.AddWithValue("$version", version);
        if (host is not null) cmd.Parameters.AddWithValue("$host", host);
        cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$limit", maxWindows + 1);
        var windows = (await WithFramesAsync(conn, null, await ReadWindowRowsAsync(cmd, ct), ct)).ToList();
        var truncated = windows.Count > maxWindows;
        if (truncated) windows.RemoveAt(windows.Count - 1);
        return new RangeRead([], windows, truncated);
    }

    public async Task<ServiceVersionList> ReadVersionsAsync(string service, string? host, int limit, CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = $"""
            SELECT service_version, min(window_start), max(window_end), count(*), count(DISTINCT host) FROM profile_window w
            WHERE service = $service {(host is null ? "" : "AND host = $host")}
              AND NOT EXISTS (SELECT 1 FROM profile_quarantine x WHERE x.window_id = w.id)
            GROUP BY service_version
            ORDER BY 3 DESC, 1
            """;
        cmd.Parameters.AddWithValue("$service", service);
        if (host is not null) cmd.Parameters.AddWithValue("$host", host);
        var rows = new List<ServiceVersionInfo>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new ServiceVersionInfo(r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), r.GetInt32(3), r.GetInt32(4)));
        return ServiceVersionLists.Of(rows, limit);
    }

    public async Task<IReadOnlyList<(string Method, string Note, int Windows)>> CountAttributionsAsync(string service, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT attribution_method, attribution_note, count(*) FROM profile_window w
            WHERE service = $service AND window_start >= $from AND window_start < $to
              AND NOT EXISTS (SELECT 1 FROM profile_quarantine x WHERE x.window_id = w.id)
            GROUP BY attribution_method, attribution_note
            ORDER BY 3 DESC, 1, 2
            LIMIT $limit
            """;
        cmd.Parameters.AddWithValue("$service", service);
        cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$limit", limit);
        var list = new List<(string, string, int)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add((r.GetString(0), r.GetString(1), r.GetInt32(2)));
        return list;
    }

    private static void WriteSourcePaths(SqliteConnection conn, SqliteTransaction tx, string service, IReadOnlyList<SourcePath> paths, long now)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO profile_source_path (service, path, original, seen_at) VALUES ($service, $path, $original, $now)
            ON CONFLICT (service, path) DO UPDATE SET original = excluded.original, seen_at = excluded.seen_at
            """;
        cmd.Parameters.AddWithValue("$service", service);
        var path = cmd.Parameters.Add(new SqliteParameter { ParameterName = "$path" });
        var original = cmd.Parameters.Add(new SqliteParameter { ParameterName = "$original" });
        cmd.Parameters.AddWithValue("$now", now);
        foreach (var p in paths)
        {
            path.Value = p.Path;
            original.Value = p.Original;
            cmd.ExecuteNonQuery();
        }
    }

    public async Task<IReadOnlyDictionary<string, string>> ReadOriginalPathsAsync(string service, IReadOnlyList<string> paths, CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT path, original FROM profile_source_path WHERE service = $service AND path IN (SELECT value FROM json_each($paths))";
        cmd.Parameters.AddWithValue("$service", service);
        cmd.Parameters.AddWithValue("$paths", System.Text.Json.JsonSerializer.Serialize(paths));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) result[r.GetString(0)] = r.GetString(1);
        return result;
    }

    private SqliteConnection Open()
    {
        var conn = new SqliteConnection(_connectionString);
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"PRAGMA synchronous={_synchronous}; PRAGMA busy_timeout=30000;";
        cmd.ExecuteNonQuery();
        return conn;
    }
}
