using FleetProfiler.Grains.Storage;
using Npgsql;
using NpgsqlTypes;

namespace FleetProfiler.Silo.Storage;

/// <summary>
/// The profile store of cluster mode: the tables of deploy/sql/10-profile-store.sql, 12-rollup-queue.sql, 13-window-attribution.sql, 14-service-version.sql and 15-profile-frame.sql. Identity
/// values are handed out before commit, so ids do not arrive in commit order; the rollup therefore works from a queue
/// whose rows are written in the window's own transaction (see <see cref="IProfileStore"/>).
/// </summary>
public sealed partial class PostgresProfileStore(NpgsqlDataSource dataSource, ServiceFrames? frames = null) : IProfileStore
{
    private readonly ServiceFrames _frames = frames ?? new ServiceFrames();

    /// <summary>The tables (and columns added later, "table.column") this store needs; the silo's preflight checks them before Orleans starts.</summary>
    public static readonly string[] Tables = ["profile_window", "profile_bucket", "profile_rollup", "profile_source_path", "route_minute", "profile_rollup_queue", "profile_quarantine",
        "profile_window.attribution_method", "profile_window.service_version", "profile_frame"];

    private const string WindowColumns = "service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree, id, attribution_method, attribution_note, service_version";

    public async Task<bool> TryAddWindowAsync(StoredWindow w, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await TryAddWindowWithFramesAsync(conn, w, ct);
    }

    /// <summary>
    /// Stores a window on <paramref name="conn"/> (inside <paramref name="tx"/> when given), as
    /// <see cref="TryAddWindowAsync(StoredWindow, CancellationToken)"/> does; tests hold the transaction open to
    /// commit a window after windows with higher ids.
    /// </summary>
    public static async Task<bool> TryAddWindowAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, StoredWindow w, CancellationToken ct = default)
    {
        // One statement, so one transaction: a committed window is queued for the rollup, an uncommitted one is in neither.
        await using var cmd = new NpgsqlCommand("""
            WITH w AS (
                INSERT INTO profile_window (service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree,
                                            attribution_method, attribution_note, service_version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                ON CONFLICT (agent_id, sequence) DO NOTHING
                RETURNING id)
            INSERT INTO profile_rollup_queue (window_id) SELECT id FROM w
            """, conn, tx);
        Add(cmd, w.Service, w.Host, w.AgentId, w.Sequence, w.ProcessId, w.ProcessName, w.Start.UtcDateTime, w.End.UtcDateTime, w.Kinds, w.SamplingIntervalMs, StoredTrees.Compact(w.Tree),
            w.AttributionMethod, w.AttributionNote, w.ServiceVersion);
        var inserted = await cmd.ExecuteNonQueryAsync(ct) == 1;
        if (inserted && w.SourcePaths is { Count: > 0 } paths)
        {
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO profile_source_path (service, path, original, seen_at)
                SELECT $1, p, o, now() FROM unnest($2::text[], $3::text[]) AS t(p, o)
                ON CONFLICT (service, path) DO UPDATE SET original = excluded.original, seen_at = excluded.seen_at
                """, conn, tx);
            Add(upsert, w.Service, paths.Select(p => p.Path).ToArray(), paths.Select(p => p.Original).ToArray());
            await upsert.ExecuteNonQueryAsync(ct);
        }
        return inserted;
    }

    public async Task<IReadOnlyDictionary<string, string>> ReadOriginalPathsAsync(string service, IReadOnlyList<string> paths, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("SELECT path, original FROM profile_source_path WHERE service = $1 AND path = ANY($2)");
        Add(cmd, service, paths.ToArray());
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) result[r.GetString(0)] = r.GetString(1);
        return result;
    }

    public async Task<IReadOnlyList<(string Method, string Note, int Windows)>> CountAttributionsAsync(string service, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT attribution_method, attribution_note, count(*)::integer FROM profile_window w
            WHERE service = $1 AND window_start >= $2 AND window_start < $3
              AND NOT EXISTS (SELECT 1 FROM profile_quarantine x WHERE x.window_id = w.id)
            GROUP BY attribution_method, attribution_note
            ORDER BY 3 DESC, 1, 2
            LIMIT $4
            """);
        Add(cmd, service, from.UtcDateTime, to.UtcDateTime, limit);
        var list = new List<(string, string, int)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add((r.GetString(0), r.GetString(1), r.GetInt32(2)));
        return list;
    }

    public async Task<RangeRead> ReadVersionWindowsAsync(string service, string? host, string version, DateTimeOffset from, DateTimeOffset to, int maxWindows, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"""
            SELECT {WindowColumns} FROM profile_window w
            WHERE service = $1 AND service_version = $2 AND ($3::text IS NULL OR host = $3) AND window_start >= $4 AND window_start < $5
              AND NOT EXISTS (SELECT 1 FROM profile_quarantine x WHERE x.window_id = w.id)
            ORDER BY window_start, id
            LIMIT $6
            """, conn);
        Add(cmd, service, version);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)host ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        Add(cmd, from.UtcDateTime, to.UtcDateTime, maxWindows + 1);
        var windows = (await WithFramesAsync(conn, null, await ReadWindowRowsAsync(cmd, ct), ct)).ToList();
        var truncated = windows.Count > maxWindows;
        if (truncated) windows.RemoveAt(windows.Count - 1);
        return new RangeRead([], windows, truncated);
    }

    public async Task<Abstractions.Profiles.ServiceVersionList> ReadVersionsAsync(string service, string? host, int limit, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT service_version, min(window_start), max(window_end), count(*)::integer, count(DISTINCT host)::integer FROM profile_window w
            WHERE service = $1 AND ($2::text IS NULL OR host = $2)
              AND NOT EXISTS (SELECT 1 FROM profile_quarantine x WHERE x.window_id = w.id)
            GROUP BY service_version
            ORDER BY 3 DESC, 1
            """);
        Add(cmd, service);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)host ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var rows = new List<Abstractions.Profiles.ServiceVersionInfo>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new(r.GetString(0), new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero), new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero), r.GetInt32(3), r.GetInt32(4)));
        return ServiceVersionLists.Of(rows, limit);
    }

    public async Task<IReadOnlyList<StoredWindow>> ReadWindowsAsync(string service, string? host, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await QueryWindowsAsync(conn, null, service, host, from, to, queuedOnly: false, limit, ct);
    }

    public async Task<IReadOnlyList<StoredWindow>> ReadUncompactedAsync(int limit, CancellationToken ct = default)
    {
        // Only committed queue rows are visible: a window whose transaction is still open is read by a later run.
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"SELECT {WindowColumns} FROM profile_rollup_queue q JOIN profile_window w ON w.id = q.window_id ORDER BY q.window_id LIMIT $1", conn);
        Add(cmd, limit);
        return await WithFramesAsync(conn, null, await ReadWindowRowsAsync(cmd, ct), ct);
    }

    public async Task<IReadOnlyList<StoredBucket>> ReadBucketsAsync(BucketLevel level, string service, string host, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var list = new List<StoredBucket>();
        await QueryBucketsAsync(conn, null, level, service, host, from, to, list, ct);
        return list;
    }

    public async Task<RangeRead> ReadRangeAsync(string service, string? host, IReadOnlyList<RangePart> parts, int maxWindows, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // One snapshot: the rollup's commits in between are not seen.
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
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
    private async Task<IReadOnlyList<StoredWindow>> QueryWindowsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string service, string? host,
        DateTimeOffset from, DateTimeOffset to, bool queuedOnly, int limit, CancellationToken ct)
    {
        var which = queuedOnly
            ? "EXISTS (SELECT 1 FROM profile_rollup_queue q WHERE q.window_id = w.id)"
            : "NOT EXISTS (SELECT 1 FROM profile_quarantine x WHERE x.window_id = w.id)";
        await using var cmd = new NpgsqlCommand($"""
            SELECT {WindowColumns} FROM profile_window w
            WHERE service = $1 AND ($2::text IS NULL OR host = $2) AND window_start >= $3 AND window_start < $4 AND {which}
            ORDER BY window_start, id
            LIMIT $5
            """, conn, tx);
        Add(cmd, service);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)host ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        Add(cmd, from.UtcDateTime, to.UtcDateTime, limit);
        return await WithFramesAsync(conn, tx, await ReadWindowRowsAsync(cmd, ct), ct);
    }

    /// <summary>Appends the buckets of one level for a service (host "" = whole service) starting in [from, to).</summary>
    private async Task QueryBucketsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, BucketLevel level, string service, string host,
        DateTimeOffset from, DateTimeOffset to, List<StoredBucket> into, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT bucket_start, windows, sampling_interval_ms, tree FROM profile_bucket
            WHERE level = $1 AND service = $2 AND host = $3 AND bucket_start >= $4 AND bucket_start < $5
            ORDER BY bucket_start
            """, conn, tx);
        Add(cmd, (short)level, service, host, from.UtcDateTime, to.UtcDateTime);
        var first = into.Count;
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                into.Add(new StoredBucket(level, service, host, new DateTimeOffset(r.GetDateTime(0), TimeSpan.Zero), r.GetInt32(1), r.GetDouble(2), (byte[])r.GetValue(3)));
        }
        await WithFramesAsync(conn, tx, into, first, ct);
    }

    public async Task<long> GetWatermarkAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("SELECT watermark FROM profile_rollup WHERE id = 1");
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
    }

    public async Task<long?> CommitRollupAsync(RollupCommit commit, CancellationToken ct = default)
    {
        var consumed = commit.Consumed.ToArray();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The compare-and-set first: it locks the row, so a second rollup waits here for our commit and then finds
        // the watermark moved (READ COMMITTED re-checks the condition on the new row) and writes nothing.
        long? moved;
        await using (var cas = new NpgsqlCommand("UPDATE profile_rollup SET watermark = watermark + $1 WHERE id = 1 AND watermark = $2 RETURNING watermark", conn, tx))
        {
            Add(cas, (long)consumed.Length, commit.ReadWatermark);
            moved = await cas.ExecuteScalarAsync(ct) is long w ? w : null;
        }
        if (moved is null) return null;
        await using (var dequeue = new NpgsqlCommand("DELETE FROM profile_rollup_queue WHERE window_id = ANY($1)", conn, tx))
        {
            Add(dequeue, consumed);
            // Every window of the chunk must still be queued, or someone else took one: write nothing.
            if (await dequeue.ExecuteNonQueryAsync(ct) != consumed.Length) return null;
        }
        var batch = new NpgsqlBatch(conn, tx);
        foreach (var b in commit.Buckets)
        {
            var c = new NpgsqlBatchCommand("""
                INSERT INTO profile_bucket (level, service, host, bucket_start, windows, sampling_interval_ms, tree)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (level, service, host, bucket_start) DO UPDATE SET windows = excluded.windows, sampling_interval_ms = excluded.sampling_interval_ms, tree = excluded.tree
                """);
            foreach (var v in new object[] { (short)b.Level, b.Service, b.Host, b.Start.UtcDateTime, b.Windows, b.SamplingIntervalMs, b.Tree })
                c.Parameters.Add(new NpgsqlParameter { Value = v });
            batch.BatchCommands.Add(c);
        }
        foreach (var q in commit.Quarantined)
        {
            var c = new NpgsqlBatchCommand("INSERT INTO profile_quarantine (window_id, service, host, what, reason, payload) VALUES ($1, $2, $3, $4, $5, $6)");
            c.Parameters.Add(new NpgsqlParameter { Value = (object?)q.WindowId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            foreach (var v in new object[] { q.Service, q.Host, q.Row, q.Reason, q.Payload })
                c.Parameters.Add(new NpgsqlParameter { Value = v });
            batch.BatchCommands.Add(c);
        }
        if (batch.BatchCommands.Count > 0)
        {
            await using (batch) await batch.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return moved;
    }

    public async Task<long> CountQuarantinedAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("SELECT count(*) FROM profile_quarantine");
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset windowsBefore, DateTimeOffset minutesBefore, DateTimeOffset hoursBefore, DateTimeOffset daysBefore, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            WITH w AS (DELETE FROM profile_window w WHERE window_start < $1 AND NOT EXISTS (SELECT 1 FROM profile_rollup_queue q WHERE q.window_id = w.id) RETURNING 1),
                 b AS (DELETE FROM profile_bucket WHERE (level = 1 AND bucket_start < $2) OR (level = 2 AND bucket_start < $3) OR (level = 3 AND bucket_start < $4) RETURNING 1),
                 r AS (DELETE FROM route_minute WHERE minute < $2 RETURNING 1),
                 x AS (DELETE FROM profile_quarantine WHERE quarantined_at < $4 RETURNING 1)
            SELECT (SELECT count(*) FROM w) + (SELECT count(*) FROM b) + (SELECT count(*) FROM r) + (SELECT count(*) FROM x)
            """);
        Add(cmd, windowsBefore.UtcDateTime, minutesBefore.UtcDateTime, hoursBefore.UtcDateTime, daysBefore.UtcDateTime);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct));
    }

    private static void Add(NpgsqlCommand cmd, params object[] values)
    {
        foreach (var v in values) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
    }

    private static async Task<IReadOnlyList<StoredWindow>> ReadWindowRowsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<StoredWindow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(ReadWindow(r));
        return list;
    }

    private static StoredWindow ReadWindow(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt32(4), r.GetString(5),
            new DateTimeOffset(r.GetDateTime(6), TimeSpan.Zero), new DateTimeOffset(r.GetDateTime(7), TimeSpan.Zero),
            r.GetString(8), r.GetDouble(9), (byte[])r.GetValue(10), r.GetInt64(11),
            AttributionMethod: r.GetString(12), AttributionNote: r.GetString(13), ServiceVersion: r.GetString(14));
}
