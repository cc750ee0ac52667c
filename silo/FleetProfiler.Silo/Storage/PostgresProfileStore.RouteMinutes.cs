using FleetProfiler.Abstractions.Endpoints;
using Npgsql;

namespace FleetProfiler.Silo.Storage;

/// <summary>Route minutes (request metrics per route): table <c>route_minute</c> of deploy/sql/11-route-minutes.sql.</summary>
public sealed partial class PostgresProfileStore
{
    public async Task<bool> TryAddRouteMinutesAsync(string service, string host, string agentId, long sequence, IReadOnlyList<RouteMinute> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0) throw new ArgumentException("a batch of route minutes has rows", nameof(rows));
        // One statement, so all rows or none; a resent batch conflicts on every row and inserts nothing.
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO route_minute (agent_id, sequence, row_index, service, host, minute, method, route, status_class, requests, duration_sum_ms, p50_ms, p95_ms, p99_ms)
            SELECT $1, $2, t.i - 1, $3, $4, t.minute, t.method, t.route, t.status, t.requests, t.sum, t.p50, t.p95, t.p99
            FROM unnest($5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::float8[], $11::float8[], $12::float8[], $13::float8[])
                 WITH ORDINALITY AS t(minute, method, route, status, requests, sum, p50, p95, p99, i)
            ON CONFLICT (agent_id, sequence, row_index) DO NOTHING
            """);
        Add(cmd, agentId, sequence, service, host,
            rows.Select(r => r.Minute.UtcDateTime).ToArray(), rows.Select(r => r.Method).ToArray(), rows.Select(r => r.Route).ToArray(),
            rows.Select(r => r.StatusClass).ToArray(), rows.Select(r => r.Requests).ToArray(), rows.Select(r => r.DurationSumMs).ToArray(),
            rows.Select(r => r.P50Ms).ToArray(), rows.Select(r => r.P95Ms).ToArray(), rows.Select(r => r.P99Ms).ToArray());
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<IReadOnlyList<RouteMinute>> ReadRouteMinutesAsync(string service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT minute, method, route, status_class, sum(requests)::bigint, sum(duration_sum_ms),
                   sum(p50_ms * requests), sum(p95_ms * requests), sum(p99_ms * requests)
            FROM route_minute WHERE service = $1 AND minute >= $2 AND minute < $3
            GROUP BY minute, method, route, status_class
            ORDER BY minute, route COLLATE "C", method COLLATE "C", status_class
            """);
        Add(cmd, service, from.UtcDateTime, to.UtcDateTime);
        var list = new List<RouteMinute>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var requests = r.GetInt64(4);
            list.Add(new RouteMinute(new DateTimeOffset(r.GetFieldValue<DateTime>(0), TimeSpan.Zero), r.GetString(1), r.GetString(2), r.GetString(3),
                requests, r.GetDouble(5), Weighted(r.GetDouble(6), requests), Weighted(r.GetDouble(7), requests), Weighted(r.GetDouble(8), requests)));
        }
        return list;
    }

    private static double Weighted(double total, long requests) => requests == 0 ? 0 : total / requests;
}
