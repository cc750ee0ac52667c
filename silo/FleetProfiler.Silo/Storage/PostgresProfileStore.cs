using FleetProfiler.Grains.Storage;
using Npgsql;

namespace FleetProfiler.Silo.Storage;

/// <summary>The profile store of cluster mode: table <c>profile_window</c> from deploy/sql/10-profile-store.sql.</summary>
public sealed class PostgresProfileStore(NpgsqlDataSource dataSource) : IProfileStore
{
    public async Task<bool> TryAddWindowAsync(StoredWindow w, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO profile_window (service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (agent_id, sequence) DO NOTHING
            """);
        cmd.Parameters.Add(new() { Value = w.Service });
        cmd.Parameters.Add(new() { Value = w.Host });
        cmd.Parameters.Add(new() { Value = w.AgentId });
        cmd.Parameters.Add(new() { Value = w.Sequence });
        cmd.Parameters.Add(new() { Value = w.ProcessId });
        cmd.Parameters.Add(new() { Value = w.ProcessName });
        cmd.Parameters.Add(new() { Value = w.Start.UtcDateTime });
        cmd.Parameters.Add(new() { Value = w.End.UtcDateTime });
        cmd.Parameters.Add(new() { Value = w.Kinds });
        cmd.Parameters.Add(new() { Value = w.SamplingIntervalMs });
        cmd.Parameters.Add(new() { Value = w.Tree });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<IReadOnlyList<StoredWindow>> ReadWindowsAsync(string service, string? host, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT service, host, agent_id, sequence, process_id, process_name, window_start, window_end, kinds, sampling_interval_ms, tree
            FROM profile_window
            WHERE service = $1 AND ($2::text IS NULL OR host = $2) AND window_start < $4 AND window_end > $3
            ORDER BY window_start, agent_id, sequence
            LIMIT $5
            """);
        cmd.Parameters.Add(new() { Value = service });
        cmd.Parameters.Add(new() { Value = (object?)host ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = from.UtcDateTime });
        cmd.Parameters.Add(new() { Value = to.UtcDateTime });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<StoredWindow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new StoredWindow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt32(4), r.GetString(5),
                new DateTimeOffset(r.GetDateTime(6), TimeSpan.Zero), new DateTimeOffset(r.GetDateTime(7), TimeSpan.Zero),
                r.GetString(8), r.GetDouble(9), (byte[])r.GetValue(10)));
        return list;
    }
}
