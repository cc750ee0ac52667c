using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;
using Npgsql;

namespace FleetProfiler.Silo.Storage;

/// <summary>
/// The per-service frame dictionary (<see cref="ServiceFrames"/>, deploy/sql/15-profile-frame.sql). A window whose
/// frames all have ids is one statement, as before. For one that brings new frames, a transaction of its own takes the
/// service's advisory lock, catches the cache up with what other silos committed, gives the frames still missing the
/// next ids and commits them, before the window is written: two silos adding the same frame give it one id (the second
/// finds it after the first's commit), and no committed row names an uncommitted frame. The cache learns frames only
/// once committed.
/// </summary>
public sealed partial class PostgresProfileStore
{
    private readonly SemaphoreSlim _frameLock = new(1, 1);

    private async Task<bool> TryAddWindowWithFramesAsync(NpgsqlConnection conn, StoredWindow w, CancellationToken ct)
    {
        if (!_frames.Enabled) return await TryAddWindowAsync(conn, null, w, ct);
        CallTree tree;
        FrameIdHint? hint;
        try { tree = TreeHandoff.Decode(w.Tree, out hint); } // the gateway's own tree when it is in this process
        catch (ProfileDataException) { return await TryAddWindowAsync(conn, null, w, ct); } // kept as is; the rollup quarantines it

        // One lookup per frame the tree uses that its stream has not brought before; the slow path (new frames) only
        // while the service's stacks are new.
        var ids = _frames.Of(w.Service).IdsOf(tree, null, out var missing, hint);
        // Another silo may have added them: catch up first, then add what is still missing.
        if (missing > 0) ids = (await CatchUpAsync(conn, null, w.Service, ct)).IdsOf(tree, out missing);
        if (missing > 0) ids = (await AddFramesAsync(conn, w.Service, tree, ct)).IdsOf(tree, out _);
        // Self-contained when some frame still has no id (the dictionary is full).
        return await TryAddWindowAsync(conn, null, w with { Tree = CallTreeCodec.SerializeCompact(tree, ids) }, ct);
    }

    /// <summary>
    /// Gives the tree's new frames the next ids, in a transaction of their own committed before the window that uses
    /// them is written (a window that then fails leaves frames nobody names yet, which is harmless): one addition at a
    /// time in this silo, and under the service's advisory lock against other silos. Past the cap nothing is added
    /// (counted, logged once).
    /// </summary>
    private async Task<FrameDictionary> AddFramesAsync(NpgsqlConnection conn, string service, CallTree tree, CancellationToken ct)
    {
        var full = _frames.Of(service);
        if (full.Count >= _frames.MaxPerService)
        {
            full.IdsOf(tree, out var notIn);
            _frames.CountFallback(service, full.Count, notIn);
            return full;
        }
        await _frameLock.WaitAsync(ct);
        try
        {
            // The addition before ours may have brought them (many windows of a new service arrive at once).
            full.IdsOf(tree, out var stillMissing);
            if (stillMissing == 0) return full;
            await using var tx = await conn.BeginTransactionAsync(ct);
            await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('fleetprofiler.profile_frame:' || $1, 0))", conn, tx))
            {
                Add(lockCmd, service);
                await lockCmd.ExecuteNonQueryAsync(ct);
            }
            // Under the lock, READ COMMITTED: every frame another silo committed is visible now.
            var dictionary = await CatchUpAsync(conn, tx, service, ct);
            var missing = MissingFrom(dictionary, tree);
            if (missing.Count == 0) return dictionary;
            var first = dictionary.Count;
            if (first == 0 && !missing.Contains(Frame.Other)) missing.Insert(0, Frame.Other); // pruned buckets use it
            if (!_frames.Fits(first, missing.Count))
            {
                _frames.CountFallback(service, first, missing.Count);
                return dictionary;
            }
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO profile_frame (service, id, function, file, line)
                SELECT $1, $2 + t.ord::integer - 1, t.function, t.file, t.line
                FROM unnest($3::text[], $4::text[], $5::integer[]) WITH ORDINALITY AS t(function, file, line, ord)
                """, conn, tx))
            {
                Add(insert, service, first, missing.Select(f => f.Function).ToArray(), missing.Select(f => f.File).ToArray(), missing.Select(f => f.Line).ToArray());
                await insert.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            _frames.Append(dictionary, first, missing);
            return dictionary;
        }
        finally { _frameLock.Release(); }
    }

    /// <summary>The frames <paramref name="tree"/> uses that <paramref name="dictionary"/> does not have, in order of first use.</summary>
    private static List<Frame> MissingFrom(FrameDictionary dictionary, CallTree tree)
    {
        var indexes = new List<int>();
        dictionary.IdsOf(tree, indexes, out _);
        return indexes.ConvertAll(i => tree.Frames[i]);
    }

    /// <summary>
    /// The service's cached dictionary, caught up with the table as <paramref name="tx"/> (or a statement of its own)
    /// sees it: the frames with ids from the cached count on.
    /// </summary>
    private async Task<FrameDictionary> CatchUpAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string service, CancellationToken ct)
    {
        var dictionary = _frames.Of(service);
        var from = dictionary.Count;
        await using var cmd = new NpgsqlCommand("SELECT id, function, file, line FROM profile_frame WHERE service = $1 AND id >= $2 ORDER BY id", conn, tx);
        Add(cmd, service, from);
        var frames = new List<Frame>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                if (r.GetInt32(0) != from + frames.Count) throw new InvalidDataException($"profile_frame of service '{service}' has a gap at id {from + frames.Count}.");
                frames.Add(new Frame(r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt32(3)));
            }
        }
        _frames.Append(dictionary, from, frames);
        return dictionary;
    }

    /// <summary>Gives rows that name frames in their service's dictionary that dictionary, caught up in the read's snapshot.</summary>
    private async Task<IReadOnlyList<StoredWindow>> WithFramesAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyList<StoredWindow> rows, CancellationToken ct)
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

    private async Task WithFramesAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, List<StoredBucket> rows, int from, CancellationToken ct)
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
