using FleetProfiler.Grains.Storage;
using Microsoft.Data.Sqlite;

namespace FleetProfiler.Silo.Storage;

/// <summary>The profile store of single-node mode: a SQLite file in WAL mode (see deploy/sql/10-profile-store.sql for the PostgreSQL twin).</summary>
public sealed class SqliteProfileStore : IProfileStore
{
    private readonly string _connectionString;
    private readonly string _synchronous;

    public SqliteProfileStore(string databasePath, string synchronous)
    {
        _synchronous = synchronous is "FULL" or "NORMAL" ? synchronous : throw new ArgumentException("FULL or NORMAL", nameof(synchronous));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var conn = Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS profile_window (
                service TEXT NOT NULL, host TEXT NOT NULL, agent_id TEXT NOT NULL, sequence INTEGER NOT NULL,
                process_id INTEGER NOT NULL, process_name TEXT NOT NULL,
                window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
                kinds TEXT NOT NULL, sampling_interval_ms REAL NOT NULL, tree BLOB NOT NULL,
                received_at INTEGER NOT NULL,
                PRIMARY KEY (agent_id, sequence)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_profile_window_service_time ON profile_window (service, window_start);
            CREATE INDEX IF NOT EXISTS ix_profile_window_host_time ON profile_window (service, host, window_start);
            """;
        cmd.ExecuteNonQuery();
    }

    public async Task<bool> TryAddWindowAsync(StoredWindow w, CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            INSERT INTO profile_window (service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree, received_at)
            VALUES ($service, $host, $agent, $seq, $pid, $pname, $start, $end, $kinds, $interval, $tree, $now)
            ON CONFLICT (agent_id, sequence) DO NOTHING
            """;
        cmd.Parameters.AddWithValue("$service", w.Service);
        cmd.Parameters.AddWithValue("$host", w.Host);
        cmd.Parameters.AddWithValue("$agent", w.AgentId);
        cmd.Parameters.AddWithValue("$seq", w.Sequence);
        cmd.Parameters.AddWithValue("$pid", w.ProcessId);
        cmd.Parameters.AddWithValue("$pname", w.ProcessName);
        cmd.Parameters.AddWithValue("$start", w.Start.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$end", w.End.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$kinds", w.Kinds);
        cmd.Parameters.AddWithValue("$interval", w.SamplingIntervalMs);
        cmd.Parameters.AddWithValue("$tree", w.Tree);
        cmd.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<IReadOnlyList<StoredWindow>> ReadWindowsAsync(string service, string? host, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = $"""
            SELECT service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree
            FROM profile_window
            WHERE service = $service {(host is null ? "" : "AND host = $host")} AND window_start < $to AND window_end > $from
            ORDER BY window_start, agent_id, sequence
            LIMIT $limit
            """;
        cmd.Parameters.AddWithValue("$service", service);
        if (host is not null) cmd.Parameters.AddWithValue("$host", host);
        cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$limit", limit);
        var list = new List<StoredWindow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new StoredWindow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt32(4), r.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
                r.GetString(8), r.GetDouble(9), (byte[])r.GetValue(10)));
        return list;
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
