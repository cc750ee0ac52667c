using Microsoft.Data.Sqlite;
using Orleans.Storage;

namespace FleetProfiler.Silo.Storage;

/// <summary>
/// Grain state in an embedded SQLite file (single-node mode): one row per (state name, grain id),
/// JSON payload from Orleans' grain storage serializer, and an integer version as the etag.
/// WAL mode keeps readers off the writer's lock; every write is a single statement, so it is atomic.
/// </summary>
public sealed class SqliteGrainStorage : IGrainStorage
{
    private readonly string _connectionString;
    private readonly IGrainStorageSerializer _serializer;
    private readonly string _name;

    public SqliteGrainStorage(string name, SqliteStorageOptions options, IGrainStorageSerializer serializer)
    {
        _name = name;
        _serializer = serializer;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath))!);
        _connectionString = ConnectionString(options.DatabasePath);
        using var conn = Open();
        Execute(conn, "PRAGMA journal_mode=WAL;");
        Execute(conn, """
            CREATE TABLE IF NOT EXISTS grain_state (
                state_name TEXT    NOT NULL,
                grain_id   TEXT    NOT NULL,
                version    INTEGER NOT NULL,
                payload    BLOB    NOT NULL,
                updated_at TEXT    NOT NULL,
                PRIMARY KEY (state_name, grain_id)
            ) WITHOUT ROWID;
            """);
        Synchronous = options.Synchronous;
    }

    private string Synchronous { get; }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT version, payload FROM grain_state WHERE state_name = $s AND grain_id = $g";
        cmd.Parameters.AddWithValue("$s", stateName);
        cmd.Parameters.AddWithValue("$g", grainId.ToString());
        await using var reader = await cmd.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        var version = reader.GetInt64(0);
        var payload = (byte[])reader.GetValue(1);
        try
        {
            grainState.State = _serializer.Deserialize<T>(new BinaryData(payload));
        }
        catch (Exception e)
        {
            throw new SqliteStorageException($"Storage '{_name}': state '{stateName}' of {grainId} cannot be read as {typeof(T).Name}: {e.Message}", e);
        }
        grainState.ETag = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = _serializer.Serialize(grainState.State).ToArray();
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.Parameters.AddWithValue("$s", stateName);
        cmd.Parameters.AddWithValue("$g", grainId.ToString());
        cmd.Parameters.AddWithValue("$p", payload);
        cmd.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToString("O"));
        if (grainState.ETag is null)
        {
            // First write: the row must not exist; a concurrent writer's row makes this a conflict.
            cmd.CommandText = "INSERT INTO grain_state (state_name, grain_id, version, payload, updated_at) VALUES ($s, $g, 1, $p, $t) ON CONFLICT DO NOTHING";
        }
        else
        {
            cmd.CommandText = "UPDATE grain_state SET version = version + 1, payload = $p, updated_at = $t WHERE state_name = $s AND grain_id = $g AND version = $v";
            cmd.Parameters.AddWithValue("$v", ParseVersion(grainState.ETag));
        }
        if (await cmd.ExecuteNonQueryAsync() != 1)
            throw new InconsistentStateException($"Storage '{_name}': version conflict writing state '{stateName}' of {grainId} (etag {grainState.ETag ?? "none"})", "unknown", grainState.ETag ?? "none");
        var newVersion = grainState.ETag is null ? 1 : ParseVersion(grainState.ETag) + 1;
        grainState.ETag = newVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.ETag is not null)
        {
            await using var conn = Open();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "DELETE FROM grain_state WHERE state_name = $s AND grain_id = $g AND version = $v";
            cmd.Parameters.AddWithValue("$s", stateName);
            cmd.Parameters.AddWithValue("$g", grainId.ToString());
            cmd.Parameters.AddWithValue("$v", ParseVersion(grainState.ETag));
            if (await cmd.ExecuteNonQueryAsync() != 1)
                throw new InconsistentStateException($"Storage '{_name}': version conflict clearing state '{stateName}' of {grainId}", "unknown", grainState.ETag);
        }
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private SqliteConnection Open() => Open(_connectionString, Synchronous);

    /// <summary>The connection string of a grain-state file (shared with <see cref="SqliteReminderTable"/>).</summary>
    internal static string ConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>Opens a connection with the per-connection settings every user of the file needs.</summary>
    internal static SqliteConnection Open(string connectionString, string? synchronous)
    {
        var conn = new SqliteConnection(connectionString);
        conn.Open();
        // Per-connection settings: durability level and a wait (not an error) when another writer holds the lock.
        Execute(conn, $"PRAGMA synchronous={synchronous ?? "FULL"}; PRAGMA busy_timeout=30000;");
        return conn;
    }

    private static void Execute(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static long ParseVersion(string etag) =>
        long.TryParse(etag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new InconsistentStateException($"Unexpected etag '{etag}'", "unknown", etag);
}

/// <summary>Options of <see cref="SqliteGrainStorage"/>.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>Path of the SQLite file; its directory is created when missing.</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>SQLite <c>synchronous</c> level: FULL (default, durable on power loss) or NORMAL (durable on process crash, faster).</summary>
    public string Synchronous { get; set; } = "FULL";
}

/// <summary>Stored state that cannot be read back.</summary>
public sealed class SqliteStorageException(string message, Exception inner) : Exception(message, inner);
