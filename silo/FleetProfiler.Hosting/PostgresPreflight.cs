using FleetProfiler.Protocol;
using Npgsql;

namespace FleetProfiler.Hosting;

/// <summary>
/// Checks, before Orleans starts, that PostgreSQL answers and holds our schema, so that a bad setting
/// stops start-up with one message instead of a provider's stack trace minutes later.
/// </summary>
public static class PostgresPreflight
{
    public const string ConnectionStringKey = "FleetProfiler:PostgreSql:ConnectionString";

    /// <summary>Query keys that must be present for the Orleans ADO.NET providers (a sample of each, enough to detect a missing schema file).</summary>
    public static readonly string[] ClusteringKeys = ["MembershipReadAllKey", "GatewaysQueryKey", "CleanupDefunctSiloEntriesKey"];
    public static readonly string[] StorageKeys = ["ReadFromStorageKey", "WriteToStorageKey"];
    public static readonly string[] ReminderKeys = ["ReadReminderRowsKey", "UpsertReminderRowKey"];

    /// <summary>
    /// Fails with a <see cref="StartupException"/> unless the database answers and holds <paramref name="requiredKeys"/>
    /// and <paramref name="requiredTables"/> (each caller names its own tables). An unreachable server exits with
    /// <see cref="ExitCodes.Unreachable"/> (worth a restart); a missing setting or schema with <see cref="ExitCodes.Usage"/>.
    /// </summary>
    public static async Task CheckAsync(string? connectionString, IEnumerable<string> requiredKeys, IEnumerable<string>? requiredTables = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new StartupException($"{ConnectionStringKey} is not set; cluster mode needs a PostgreSQL connection string (e.g. Host=127.0.0.1;Port=5432;Database=fleetprofiler;Username=fleet).");
        NpgsqlConnectionStringBuilder csb;
        try { csb = new NpgsqlConnectionStringBuilder(connectionString); }
        catch (ArgumentException e) { throw new StartupException($"{ConnectionStringKey} is not a valid connection string: {e.Message}"); }
        if (csb.Timeout > 10) csb.Timeout = 10;

        await using var conn = new NpgsqlConnection(csb.ConnectionString);
        try { await conn.OpenAsync(ct); }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new StartupException($"{ConnectionStringKey}: cannot connect to PostgreSQL at {csb.Host}:{csb.Port} database '{csb.Database}': {e.Message}", ExitCodes.Unreachable);
        }

        var required = requiredKeys.ToArray();
        await using var cmd = new NpgsqlCommand("select querykey from orleansquery where querykey = any(@keys)", conn);
        cmd.Parameters.AddWithValue("keys", required);
        var present = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) present.Add(reader.GetString(0));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new StartupException($"{ConnectionStringKey}: database '{csb.Database}' has no FleetProfiler schema (table OrleansQuery is missing); apply it with deploy/scripts/create-db.sh.");
        }
        var missing = required.Where(k => !present.Contains(k)).ToArray();
        if (missing.Length > 0)
            throw new StartupException($"{ConnectionStringKey}: database '{csb.Database}' lacks Orleans query keys {string.Join(", ", missing)}; re-apply the schema with deploy/scripts/create-db.sh.");
        foreach (var table in requiredTables ?? [])
        {
            // "table.column" names a column a later schema file added to an existing table.
            var dot = table.IndexOf('.');
            await using var check = dot < 0
                ? new NpgsqlCommand("select to_regclass(@t) is not null", conn)
                : new NpgsqlCommand("select exists (select 1 from information_schema.columns where table_schema = current_schema() and table_name = @t and column_name = @c)", conn);
            check.Parameters.AddWithValue("t", dot < 0 ? table : table[..dot]);
            if (dot >= 0) check.Parameters.AddWithValue("c", table[(dot + 1)..]);
            if (await check.ExecuteScalarAsync(ct) is not true)
                throw new StartupException($"{ConnectionStringKey}: database '{csb.Database}' lacks {(dot < 0 ? "table" : "column")} {table}; re-apply the schema with deploy/scripts/create-db.sh.");
        }
    }
}
