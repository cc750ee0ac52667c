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
    /// its service's dictionary has every frame it uses, self-contained when the dictionary is off or full, the bytes
    /// as given when they are not a call tree (the rollup quarantines them). A window that brings new frames comes back
    /// with its tree instead: the writer gives them ids in the transaction that stores the window (<see cref="FramesToAdd"/>).
    /// </summary>
    private (byte[] Bytes, CallTree? NewFrames) Encode(StoredWindow w)
    {
        if (!_frames.Enabled) return (StoredTrees.Compact(w.Tree), null);
        CallTree tree;
        FrameIdHint? hint;
        try { tree = TreeHandoff.Decode(w.Tree, out hint); } // the gateway's own tree when it is in this process
        catch (ProfileDataException) { return (w.Tree, null); }
        var dictionary = _frames.Of(w.Service);
        // One lookup per frame the tree uses that its stream has not brought before.
        var ids = dictionary.IdsOf(tree, null, out var missing, hint);
        if (missing == 0) return (CallTreeCodec.SerializeCompact(tree, ids), null);
        if (!_frames.Fits(dictionary.Count, missing))
        {
            _frames.CountFallback(w.Service, dictionary.Count, missing);
            return (CallTreeCodec.SerializeCompact(tree), null);
        }
        return (w.Tree, tree);
    }

    /// <summary>
    /// The frames one write transaction adds, per service. The writer's transaction holds the database's write lock
    /// (BEGIN IMMEDIATE) from its start, so catching the dictionary up from the table inside it and numbering new frames
    /// from there cannot race another store on the file; the rows are inserted before the windows that name them, in
    /// the same transaction, and the cache learns them only after the commit (<see cref="Publish"/>). No caller thread
    /// ever waits on SQLite's lock for a frame.
    /// </summary>
    private sealed class FramesToAdd(ServiceFrames frames)
    {
        private readonly Dictionary<string, (FrameDictionary Dictionary, int First, List<Frame> Frames, Dictionary<Frame, int> Ids)> _services = new(StringComparer.Ordinal);

        /// <summary>The window's tree with frame ids, giving the frames it is the first to use the next ids; self-contained when the dictionary is full.</summary>
        public async Task<byte[]> EncodeAsync(SqliteProfileStore store, SqliteConnection conn, SqliteTransaction tx, string service, CallTree tree)
        {
            if (!_services.TryGetValue(service, out var s))
            {
                var caught = await store.CatchUpAsync(conn, tx, service, CancellationToken.None);
                _services[service] = s = (caught, caught.Count, [], []);
            }
            var missingFrames = new List<int>();
            var ids = s.Dictionary.IdsOf(tree, missingFrames, out _);
            if (missingFrames.Count == 0) return CallTreeCodec.SerializeCompact(tree, ids);
            var table = tree.Frames;
            var fresh = new List<(int Index, Frame Frame)>();
            foreach (var f in missingFrames)
            {
                if (s.Ids.TryGetValue(table[f], out var staged)) ids[f] = staged;
                else fresh.Add((f, table[f]));
            }
            // "[other]" first in every dictionary: pruned buckets use it.
            var other = s.First == 0 && s.Frames.Count == 0 && !fresh.Exists(x => x.Frame == Frame.Other) ? 1 : 0;
            var count = s.First + s.Frames.Count;
            if (!frames.Fits(count, fresh.Count + other))
            {
                frames.CountFallback(service, count, fresh.Count);
                return CallTreeCodec.SerializeCompact(tree);
            }
            if (fresh.Count == 0) return CallTreeCodec.SerializeCompact(tree, ids);
            if (other == 1) fresh.Insert(0, (-1, Frame.Other));
            using var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO profile_frame (service, id, function, file, line) VALUES ($service, $id, $function, $file, $line)";
            cmd.Parameters.AddWithValue("$service", service);
            var id = cmd.Parameters.Add("$id", SqliteType.Integer);
            var function = cmd.Parameters.Add("$function", SqliteType.Text);
            var file = cmd.Parameters.Add("$file", SqliteType.Text);
            var line = cmd.Parameters.Add("$line", SqliteType.Integer);
            foreach (var (index, frame) in fresh)
            {
                var next = s.First + s.Frames.Count;
                id.Value = next;
                function.Value = frame.Function;
                file.Value = (object?)frame.File ?? DBNull.Value;
                line.Value = frame.Line;
                cmd.ExecuteNonQuery();
                s.Frames.Add(frame);
                s.Ids[frame] = next;
                if (index >= 0) ids[index] = next;
            }
            return CallTreeCodec.SerializeCompact(tree, ids);
        }

        /// <summary>After the commit: the cache learns the frames the transaction added.</summary>
        public void Publish()
        {
            foreach (var (dictionary, first, added, _) in _services.Values) frames.Append(dictionary, first, added);
        }
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
