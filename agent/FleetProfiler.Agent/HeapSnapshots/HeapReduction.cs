using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.HeapSnapshots;

/// <summary>
/// Turns a heap dump into the summary that travels (<see cref="HeapSnapshot"/>): bytes and objects per type over every
/// object, and retained bytes per type when the graph is small enough (<see cref="HeapSnapshotOptions.MaxRetainedObjects"/>)
/// and whole (its references match its objects). Only the largest <see cref="HeapSnapshotOptions.MaxTypes"/> types are
/// listed; the rest are added up.
/// </summary>
public static class HeapReduction
{
    public static HeapSnapshot Reduce(HeapDump dump, long? heapBytesBefore, HeapSnapshotOptions options)
    {
        var graph = dump.Graph;
        var byType = graph.ByType();
        var typeIds = byType.Keys.ToArray();
        var typeIndex = new Dictionary<ulong, int>(typeIds.Length);
        for (var i = 0; i < typeIds.Length; i++) typeIndex[typeIds[i]] = i;

        long[]? retainedByType = null;
        string note;
        if (graph.Truncated)
        {
            note = $"the dump had more than Agent:HeapSnapshot:MaxObjects ({options.MaxObjects:N0}) objects: only the first were read, and retained sizes are omitted";
        }
        else if (graph.Count > options.MaxRetainedObjects)
        {
            note = $"retained sizes omitted: {graph.Count:N0} objects is over Agent:HeapSnapshot:MaxRetainedObjects ({options.MaxRetainedObjects:N0})";
        }
        else if (graph.Resolve() is not { } resolved)
        {
            note = $"retained sizes omitted: the dump's references ({graph.EdgeCount:N0}) do not match its objects' ({graph.DeclaredEdges:N0}); events were lost";
        }
        else if (HeapDominators.Retained(resolved, graph.Size, out var idom) is not { } retained)
        {
            note = $"retained sizes omitted: the dominator tree did not settle within {HeapDominators.MaxPasses} passes";
        }
        else
        {
            var typeOf = new int[graph.Count];
            for (var i = 0; i < graph.Count; i++) typeOf[i] = typeIndex[graph.TypeId(i)];
            retainedByType = HeapDominators.RetainedByType(graph.Count, idom, retained, typeOf, typeIds.Length);
            note = "";
        }

        var snapshot = new HeapSnapshot
        {
            GcNumber = dump.GcNumber,
            PauseUs = (long)(dump.Pause.TotalMilliseconds * 1000),
            GcUs = (long)(dump.Gc.TotalMilliseconds * 1000),
            HeapBytesBefore = heapBytesBefore ?? 0,
            HeapBytesAfter = dump.HeapBytesAfter,
            LiveBytes = byType.Values.Sum(v => v.Bytes),
            LiveObjects = graph.Count,
            References = graph.EdgeCount,
            RetainedComputed = retainedByType is not null,
            RetainedNote = note,
            DumpUs = (long)((dump.EndUtc - dump.StartUtc).TotalMilliseconds * 1000),
        };
        // Types that print the same (the runtime names some generic instantiations and types of different
        // assemblies alike) share one row: names are what the server compares snapshots by.
        var rows = typeIds
            .Select((id, i) => (Name: graph.TypeName(id), Bytes: byType[id].Bytes, Objects: byType[id].Objects, Retained: retainedByType?[i] ?? 0))
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .Select(g => new HeapTypeRow
            {
                Name = g.Key,
                LiveBytes = g.Sum(t => t.Bytes),
                Objects = g.Sum(t => t.Objects),
                RetainedBytes = g.Sum(t => t.Retained),
            })
            .OrderByDescending(r => r.LiveBytes).ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        snapshot.TypeRows.AddRange(rows.Take(options.MaxTypes));
        foreach (var rest in rows.Skip(options.MaxTypes))
        {
            snapshot.OtherTypes++;
            snapshot.OtherBytes += rest.LiveBytes;
            snapshot.OtherObjects += rest.Objects;
        }
        return snapshot;
    }

    /// <summary>One line for logs and stderr: what the snapshot holds and what it cost the target.</summary>
    public static string Describe(HeapSnapshot s) =>
        $"heap snapshot after GC {s.GcNumber}: {s.LiveBytes / 1048576.0:F1} MB live in {s.LiveObjects:N0} objects of {s.TypeRows.Count + s.OtherTypes} types; " +
        $"target paused {s.PauseUs / 1000.0:F1} ms (induced GC {s.GcUs / 1000.0:F1} ms); heap before {(s.HeapBytesBefore > 0 ? $"{s.HeapBytesBefore / 1048576.0:F1} MB" : "unknown")}, " +
        $"after {s.HeapBytesAfter / 1048576.0:F1} MB; dump {s.DumpUs / 1_000_000.0:F1} s" +
        (s.RetainedComputed ? "" : $"; {s.RetainedNote}");
}
