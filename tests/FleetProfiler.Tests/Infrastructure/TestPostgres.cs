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

    /// <summary>Creates an empty database (no schema), dropped again when the returned value is disposed.</summary>
    public static async Task<ScratchDatabase> CreateEmptyDatabaseAsync()
    {
        var name = "fp_empty_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync($"CREATE DATABASE {name}");
        return new ScratchDatabase(name, new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString);
    }

    /// <summary>Applies every profile-store file of deploy/sql (1*.sql), in order, as create-db.sh does.</summary>
    public static async Task ApplyProfileStoreSchemaAsync(NpgsqlDataSource source)
    {
        foreach (var file in Directory.GetFiles(Repo.File("deploy", "sql"), "1*.sql").Order(StringComparer.Ordinal))
        {
            await using var cmd = source.CreateCommand(await File.ReadAllTextAsync(file));
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>A database of one test; dropping it ends whatever connections the test left open.</summary>
    public sealed record ScratchDatabase(string Name, string ConnectionString) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
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
