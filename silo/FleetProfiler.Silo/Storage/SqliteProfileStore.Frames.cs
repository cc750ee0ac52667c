using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;
using Microsoft.Data.Sqlite;

namespace FleetProfiler.Silo.Storage;

/// <summary>
/// The per-service frame dictionary (<see cref="ServiceFrames"/>): the SQLite twin of deploy/sql/15-profile-frame.sql.
/// Frames get their ids in a transaction committed before the window that first uses them is written, and the cache
/// learns them only once committed; rows read are given their service's dictionary, caught up from the table in the
/// read's own snapshot, so a row's frames are always there.
/// </summary>
public sealed partial class SqliteProfileStore
{
    private static void CreateFrameTable(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS profile_frame (
                service TEXT NOT NULL, id INTEGER NOT NULL, function TEXT NOT NULL, file TEXT, line INTEGER NOT NULL,
                PRIMARY KEY (service, id)) WITHOUT ROWID;
            """;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// The bytes to store for a window, encoded on the caller's thread (not in the single writer): with frame ids when
    /// its service's dictionary has (or now takes) every frame it uses, self-contained when the dictionary is off or
    /// full, the bytes as given when they are not a call tree (the rollup quarantines them).
    /// </summary>
    private async Task<byte[]> EncodeAsync(StoredWindow w, CancellationToken ct)
    {
        if (!_frames.Enabled) return StoredTrees.Compact(w.Tree);
        CallTree tree;
        try { tree = CallTreeCodec.Deserialize(w.Tree); }
        catch (ProfileDataException) { return w.Tree; }
        var dictionary = _frames.Of(w.Service);
        if (ServiceFrames.Missing(tree, dictionary).Count > 0) dictionary = await AddFramesAsync(w.Service, tree, ct);
        // Self-contained when some frame still has no id (the dictionary is full).
        return CallTreeCodec.SerializeCompact(tree, dictionary.IdOf);
    }

    /// <summary>
    /// Gives the tree's new frames the next ids, in a transaction of their own committed before the window that uses
    /// them is written (a window that then fails leaves frames nobody names yet, which is harmless). One addition at a
    /// time in this store, and under the database's write lock (BEGIN IMMEDIATE) against any other store on the file;
    /// the cache learns the frames once committed. Past the cap nothing is added (counted, logged once).
    /// </summary>
    private async Task<FrameDictionary> AddFramesAsync(string service, CallTree tree, CancellationToken ct)
    {
        var full = _frames.Of(service);
        if (full.Count >= _frames.MaxPerService)
        {
            _frames.CountFallback(service, full.Count, ServiceFrames.Missing(tree, full).Count);
            return full;
        }
        await _frameLock.WaitAsync(ct);
        try
        {
            // The addition before ours may have brought them (many windows of a new service arrive at once).
            if (ServiceFrames.Missing(tree, full).Count == 0) return full;
            await using var conn = Open();
            await using var tx = conn.BeginTransaction();
            var dictionary = await CatchUpAsync(conn, tx, service, ct);
            var missing = ServiceFrames.Missing(tree, dictionary);
            if (missing.Count == 0) return dictionary;
            var first = dictionary.Count;
            // "[other]" first in every dictionary: pruned buckets use it.
            if (first == 0 && !missing.Contains(Frame.Other)) missing.Insert(0, Frame.Other);
            if (!_frames.Fits(first, missing.Count))
            {
                _frames.CountFallback(service, first, missing.Count);
                return dictionary;
            }
            await using (var cmd = conn.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT INTO profile_frame (service, id, function, file, line) VALUES ($service, $id, $function, $file, $line)";
                cmd.Parameters.AddWithValue("$service", service);
                var id = cmd.Parameters.Add("$id", SqliteType.Integer);
                var function = cmd.Parameters.Add("$function", SqliteType.Text);
                var file = cmd.Parameters.Add("$file", SqliteType.Text);
                var line = cmd.Parameters.Add("$line", SqliteType.Integer);
                for (var i = 0; i < missing.Count; i++)
                {
                    id.Value = first + i;
                    function.Value = missing[i].Function;
                    file.Value = (object?)missing[i].File ?? DBNull.Value;
                    line.Value = missing[i].Line;
                    await cmd.ExecuteNonQueryAsync(ct);
                }
            }
            await tx.CommitAsync(ct);
            _frames.Append(dictionary, first, missing);
            return dictionary;
        }
        finally { _frameLock.Release(); }
    }

    /// <summary>
    /// The service's cached dictionary, caught up with the table as <paramref name="tx"/> (or a statement of its own)
    /// sees it: the frames with ids from the cached count on.
    /// </summary>
    private async Task<FrameDictionary> CatchUpAsync(SqliteConnection conn, SqliteTransaction? tx, string service, CancellationToken ct)
    {
        var dictionary = _frames.Of(service);
        var from = dictionary.Count;
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT id, function, file, line FROM profile_frame WHERE service = $service AND id >= $from ORDER BY id";
        cmd.Parameters.AddWithValue("$service", service);
        cmd.Parameters.AddWithValue("$from", from);
        var frames = new List<Frame>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                if (r.GetInt64(0) != from + frames.Count) throw new InvalidDataException($"profile_frame of service '{service}' has a gap at id {from + frames.Count}.");
                frames.Add(new Frame(r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt32(3)));
            }
        }
        _frames.Append(dictionary, from, frames);
        return dictionary;
    }

    /// <summary>Gives rows that name frames in their service's dictionary that dictionary, caught up in the read's snapshot.</summary>
    private async Task<IReadOnlyList<StoredWindow>> WithFramesAsync(SqliteConnection conn, SqliteTransaction? tx, IReadOnlyList<StoredWindow> rows, CancellationToken ct)
    {
        Dictionary<string, FrameDictionary>? caught = null;
        List<StoredWindow>? result = null;
        for (var i = 0; i < rows.Count; i++)
        {
            var w = rows[i];
            if (!CallTreeCodec.UsesDictionary(w.Tree)) continue;
            caught ??= new(StringComparer.Ordinal);
            if (!caught.TryGetValue(w.Service, out var d)) caught[w.Service] = d = await CatchUpAsync(conn, tx, w.Service, ct);
            result ??= [.. rows];
            result[i] = w with { Frames = d };
        }
        return result ?? rows;
    }

    private async Task WithFramesAsync(SqliteConnection conn, SqliteTransaction? tx, List<StoredBucket> rows, int from, CancellationToken ct)
    {
        Dictionary<string, FrameDictionary>? caught = null;
        for (var i = from; i < rows.Count; i++)
        {
            var b = rows[i];
            if (!CallTreeCodec.UsesDictionary(b.Tree)) continue;
            caught ??= new(StringComparer.Ordinal);
            if (!caught.TryGetValue(b.Service, out var d)) caught[b.Service] = d = await CatchUpAsync(conn, tx, b.Service, ct);
            rows[i] = b with { Frames = d };
        }
    }
}
