using FleetProfiler.Abstractions.Endpoints;
using Microsoft.Data.Sqlite;

namespace FleetProfiler.Silo.Storage;

/// <summary>Route minutes (request metrics per route) beside the profiles: table <c>route_minute</c>.</summary>
public sealed partial class SqliteProfileStore
{
    /// <summary>
    /// One row per batch row, keyed (agent_id, sequence, row_index): a resent batch conflicts on its first row and
    /// stores nothing (a batch's rows are written in one transaction, so all or none are there).
    /// </summary>
    private static void CreateRouteMinuteTable(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS route_minute (
                agent_id TEXT NOT NULL, sequence INTEGER NOT NULL, row_index INTEGER NOT NULL,
                service TEXT NOT NULL, host TEXT NOT NULL, minute INTEGER NOT NULL,
                method TEXT NOT NULL, route TEXT NOT NULL, status_class TEXT NOT NULL,
                requests INTEGER NOT NULL, duration_sum_ms REAL NOT NULL,
                p50_ms REAL NOT NULL, p95_ms REAL NOT NULL, p99_ms REAL NOT NULL,
                PRIMARY KEY (agent_id, sequence, row_index)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_route_minute_service_time ON route_minute (service, minute);
            """;
        cmd.ExecuteNonQuery();
    }

    public async Task<bool> TryAddRouteMinutesAsync(string service, string host, string agentId, long sequence, IReadOnlyList<RouteMinute> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0) throw new ArgumentException("a batch of route minutes has rows", nameof(rows));
        await using var conn = Open();
        await using var tx = conn.BeginTransaction();
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO route_minute (agent_id, sequence, row_index, service, host, minute, method, route, status_class, requests, duration_sum_ms, p50_ms, p95_ms, p99_ms)
            VALUES ($agent, $seq, $i, $service, $host, $minute, $method, $route, $status, $requests, $sum, $p50, $p95, $p99)
            ON CONFLICT (agent_id, sequence, row_index) DO NOTHING
            """;
        var p = new[] { "$agent", "$seq", "$i", "$service", "$host", "$minute", "$method", "$route", "$status", "$requests", "$sum", "$p50", "$p95", "$p99" }
            .Select(n => cmd.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            object[] values = [agentId, sequence, i, service, host, r.Minute.ToUnixTimeMilliseconds(), r.Method, r.Route, r.StatusClass, r.Requests, r.DurationSumMs, r.P50Ms, r.P95Ms, r.P99Ms];
            for (var j = 0; j < p.Length; j++) p[j].Value = values[j];
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                // Stored before: the whole batch is there (one transaction).
                await tx.RollbackAsync(ct);
                return false;
            }
        }
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task<IReadOnlyList<RouteMinute>> ReadRouteMinutesAsync(string service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT minute, method, route, status_class, sum(requests), sum(duration_sum_ms),
                   sum(p50_ms * requests), sum(p95_ms * requests), sum(p99_ms * requests)
            FROM route_minute WHERE service = $service AND minute >= $from AND minute < $to
            GROUP BY minute, method, route, status_class
            ORDER BY minute, route, method, status_class
            """;
        cmd.Parameters.AddWithValue("$service", service);
        cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        var list = new List<RouteMinute>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var requests = r.GetInt64(4);
            list.Add(new RouteMinute(DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), r.GetString(1), r.GetString(2), r.GetString(3),
                requests, r.GetDouble(5), Weighted(r.GetDouble(6), requests), Weighted(r.GetDouble(7), requests), Weighted(r.GetDouble(8), requests)));
        }
        return list;
    }

    private static double Weighted(double total, long requests) => requests == 0 ? 0 : total / requests;
}
