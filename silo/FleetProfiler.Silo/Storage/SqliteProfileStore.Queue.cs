using FleetProfiler.Grains.Storage;
using Microsoft.Data.Sqlite;

namespace FleetProfiler.Silo.Storage;

/// <summary>
/// The rollup's queue and quarantine: the SQLite twins of deploy/sql/12-rollup-queue.sql. A window's queue row is
/// written in the window's transaction and deleted in the rollup's, so what the rollup consumes does not depend on
/// ids being in commit order (they are here, with one writer, but the contract is the same as on PostgreSQL).
/// </summary>
public sealed partial class SqliteProfileStore
{
    /// <summary>
    /// Creates the queue and quarantine tables. A store from before them gets its windows above the old id watermark
    /// queued, in the transaction that creates the queue, so the upgrade happens once and whole.
    /// </summary>
    private static void CreateQueueTables(SqliteConnection conn)
    {
        using var tx = conn.BeginTransaction();
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'profile_rollup_queue'";
        var upgrade = Convert.ToInt64(cmd.ExecuteScalar()) == 0;
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS profile_rollup_queue (window_id INTEGER PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS profile_quarantine (
                id INTEGER PRIMARY KEY AUTOINCREMENT, window_id INTEGER, service TEXT NOT NULL, host TEXT NOT NULL,
                what TEXT NOT NULL, reason TEXT NOT NULL, payload BLOB NOT NULL, quarantined_at INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_profile_quarantine_window ON profile_quarantine (window_id) WHERE window_id IS NOT NULL;
            """;
        cmd.ExecuteNonQuery();
        if (upgrade)
        {
            cmd.CommandText = "INSERT INTO profile_rollup_queue (window_id) SELECT id FROM profile_window WHERE id > (SELECT watermark FROM profile_rollup WHERE id = 1)";
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Queues the window just inserted on <paramref name="conn"/>, in its transaction.</summary>
    private static void Enqueue(SqliteConnection conn, SqliteTransaction tx)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO profile_rollup_queue (window_id) VALUES (last_insert_rowid())";
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// The compare-and-set: moves the watermark on by the windows consumed and takes them off the queue, only if the
    /// watermark is still the one the rollup read and every window is still queued; null (write nothing) otherwise.
    /// </summary>
    private static async Task<long?> MoveWatermarkAsync(SqliteConnection conn, SqliteTransaction tx, RollupCommit commit, CancellationToken ct)
    {
        var consumed = commit.Consumed;
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE profile_rollup SET watermark = watermark + $n WHERE id = 1 AND watermark = $read RETURNING watermark";
        cmd.Parameters.AddWithValue("$n", consumed.Count);
        cmd.Parameters.AddWithValue("$read", commit.ReadWatermark);
        if (await cmd.ExecuteScalarAsync(ct) is not long moved) return null;
        cmd.Parameters.Clear();
        cmd.CommandText = "DELETE FROM profile_rollup_queue WHERE window_id = $id";
        var id = cmd.Parameters.Add("$id", SqliteType.Integer);
        foreach (var windowId in consumed)
        {
            id.Value = windowId;
            if (await cmd.ExecuteNonQueryAsync(ct) != 1) return null;
        }
        return moved;
    }

    private static async Task QuarantineAsync(SqliteConnection conn, SqliteTransaction tx, IReadOnlyList<QuarantinedRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO profile_quarantine (window_id, service, host, what, reason, payload, quarantined_at) VALUES ($window, $service, $host, $what, $reason, $payload, $now)";
        var p = new[] { "$window", "$service", "$host", "$what", "$reason", "$payload", "$now" }.Select(n => cmd.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        foreach (var q in rows)
        {
            object[] values = [(object?)q.WindowId ?? DBNull.Value, q.Service, q.Host, q.Row, q.Reason, q.Payload, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()];
            for (var j = 0; j < p.Length; j++) p[j].Value = values[j];
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task<long> CountQuarantinedAsync(CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM profile_quarantine";
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
    }
}
