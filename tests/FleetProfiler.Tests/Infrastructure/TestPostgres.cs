using Npgsql;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL that .ci/run starts, with deploy/sql applied. Tests that need it fail (never skip) when it is missing.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "FLEETPROFILER_TEST_POSTGRES";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException($"{Variable} is not set: run the tests through 'bash .ci/run', which starts PostgreSQL and sets it, or point it at a database with deploy/sql applied.");

    /// <summary>Creates an empty database (no schema) and returns its connection string.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = "fp_empty_" + Guid.NewGuid().ToString("N")[..12];
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using (var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn)) await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public static async Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }
}
