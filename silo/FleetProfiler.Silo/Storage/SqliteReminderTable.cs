using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FleetProfiler.Silo.Storage;

/// <summary>
/// Orleans reminders in single-node mode, durable: a <c>reminder</c> table in the grain-state file (<c>grains.db</c>,
/// WAL, same connection settings as <see cref="SqliteGrainStorage"/>). One row per (service id, grain, reminder name);
/// the etag is an integer version, as for grain state. deploy/sql/03-orleans-reminders.sql is the PostgreSQL twin
/// (cluster mode, <c>UseAdoNetReminderService</c>).
/// </summary>
public sealed class SqliteReminderTable : IReminderTable
{
    private const string Columns = "grain_id, reminder_name, start_ticks, period_ticks, version";

    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly string _serviceId;

    public SqliteReminderTable(SqliteStorageOptions options, string serviceId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        _serviceId = serviceId;
        _synchronous = options.Synchronous;
        _connectionString = SqliteGrainStorage.ConnectionString(options.DatabasePath);
        using var conn = SqliteGrainStorage.Open(_connectionString, _synchronous);
        using var cmd = conn.CreateCommand();
        // grain_hash is GrainId.GetUniformHashCode(), a uint: the reminder service reads its ring range by it.
        cmd.CommandText = """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS reminder (
                service_id    TEXT    NOT NULL,
                grain_id      TEXT    NOT NULL,
                reminder_name TEXT    NOT NULL,
                grain_hash    INTEGER NOT NULL,
                start_ticks   INTEGER NOT NULL,
                period_ticks  INTEGER NOT NULL,
                version       INTEGER NOT NULL,
                PRIMARY KEY (service_id, grain_id, reminder_name)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_reminder_ring ON reminder (service_id, grain_hash);
            """;
        cmd.ExecuteNonQuery();
    }

    public Task Init() => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        QueryAsync("service_id = $s AND grain_id = $g", c => c.Parameters.AddWithValue("$g", grainId.ToString()));

    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        // The ring range (begin, end]; when begin >= end it wraps around zero.
        QueryAsync(begin < end ? "service_id = $s AND grain_hash > $b AND grain_hash <= $e" : "service_id = $s AND (grain_hash > $b OR grain_hash <= $e)", c =>
        {
            c.Parameters.AddWithValue("$b", (long)begin);
            c.Parameters.AddWithValue("$e", (long)end);
        });

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var rows = await QueryAsync("service_id = $s AND grain_id = $g AND reminder_name = $n", c =>
        {
            c.Parameters.AddWithValue("$g", grainId.ToString());
            c.Parameters.AddWithValue("$n", reminderName);
        });
        // Orleans expects null for a reminder that does not exist.
        return rows.Reminders.Count == 0 ? null : rows.Reminders[0];
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        await using var conn = SqliteGrainStorage.Open(_connectionString, _synchronous);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            INSERT INTO reminder (service_id, grain_id, reminder_name, grain_hash, start_ticks, period_ticks, version)
            VALUES ($s, $g, $n, $h, $start, $period, 1)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
               SET start_ticks = excluded.start_ticks, period_ticks = excluded.period_ticks, grain_hash = excluded.grain_hash,
                   version = reminder.version + 1
            RETURNING version
            """;
        cmd.Parameters.AddWithValue("$s", _serviceId);
        cmd.Parameters.AddWithValue("$g", entry.GrainId.ToString());
        cmd.Parameters.AddWithValue("$n", entry.ReminderName);
        cmd.Parameters.AddWithValue("$h", (long)entry.GrainId.GetUniformHashCode());
        cmd.Parameters.AddWithValue("$start", ToUtc(entry.StartAt).Ticks);
        cmd.Parameters.AddWithValue("$period", entry.Period.Ticks);
        var version = Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        return version.ToString(CultureInfo.InvariantCulture);
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        if (!long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var version)) return false;
        await using var conn = SqliteGrainStorage.Open(_connectionString, _synchronous);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "DELETE FROM reminder WHERE service_id = $s AND grain_id = $g AND reminder_name = $n AND version = $v";
        cmd.Parameters.AddWithValue("$s", _serviceId);
        cmd.Parameters.AddWithValue("$g", grainId.ToString());
        cmd.Parameters.AddWithValue("$n", reminderName);
        cmd.Parameters.AddWithValue("$v", version);
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    public async Task TestOnlyClearTable()
    {
        await using var conn = SqliteGrainStorage.Open(_connectionString, _synchronous);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "DELETE FROM reminder WHERE service_id = $s";
        cmd.Parameters.AddWithValue("$s", _serviceId);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<ReminderTableData> QueryAsync(string where, Action<SqliteCommand> bind)
    {
        await using var conn = SqliteGrainStorage.Open(_connectionString, _synchronous);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM reminder WHERE {where}";
        cmd.Parameters.AddWithValue("$s", _serviceId);
        bind(cmd);
        var rows = new List<ReminderEntry>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                Period = TimeSpan.FromTicks(reader.GetInt64(3)),
                ETag = reader.GetInt64(4).ToString(CultureInfo.InvariantCulture),
            });
        }
        return new ReminderTableData(rows);
    }

    private static DateTime ToUtc(DateTime t) => t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);
}
