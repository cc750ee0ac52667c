using FleetProfiler.Abstractions.HeapSnapshots;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// Checks a heap snapshot batch (<c>heap_snapshot</c> set): kinds exactly ["heap"], no window content, at most
/// <see cref="MaxTypeRows"/> type rows with names within max_string_length, no negative figure, the rows' bytes no more
/// than live_bytes. Null when acceptable.
/// </summary>
public static class HeapSnapshotValidator
{
    public const string Kind = "heap";

    /// <summary>Type rows one snapshot may carry (the agent's Agent:HeapSnapshot:MaxTypes is at most this).</summary>
    public const int MaxTypeRows = 10_000;

    public static string? Validate(Batch b, BatchLimits limits)
    {
        if (b.Kinds.Count != 1 || b.Kinds[0] != Kind) return "a heap snapshot batch has kinds [\"heap\"]";
        if (b.Samples.Count > 0 || b.Stacks.Count > 0 || b.Locations.Count > 0 || b.Functions.Count > 0 || b.Strings.Count > 0 || b.RouteMinutes.Count > 0 || b.Coverage is not null)
            return "a heap snapshot batch carries no window (strings, functions, locations, stacks, samples, route_minutes, coverage must be empty)";
        var s = b.HeapSnapshot;
        if (s.TypeRows.Count > MaxTypeRows) return $"heap_snapshot.type_rows: {s.TypeRows.Count}, over {MaxTypeRows}";
        if (s.RetainedNote.Length > limits.MaxStringLength) return $"heap_snapshot.retained_note is longer than max_string_length ({limits.MaxStringLength})";
        if (s.GcNumber < 0 || s.PauseUs < 0 || s.GcUs < 0 || s.HeapBytesBefore < 0 || s.HeapBytesAfter < 0 || s.LiveBytes < 0 || s.LiveObjects < 0
            || s.References < 0 || s.OtherTypes < 0 || s.OtherBytes < 0 || s.OtherObjects < 0 || s.DumpUs < 0)
        {
            return "heap_snapshot has a negative figure";
        }

        long bytes = s.OtherBytes;
        for (var i = 0; i < s.TypeRows.Count; i++)
        {
            var r = s.TypeRows[i];
            if (r.Name.Length == 0) return $"heap_snapshot.type_rows[{i}].name is required";
            if (r.Name.Length > limits.MaxStringLength) return $"heap_snapshot.type_rows[{i}].name is longer than max_string_length ({limits.MaxStringLength})";
            if (r.LiveBytes < 0 || r.Objects < 0 || r.RetainedBytes < 0) return $"heap_snapshot.type_rows[{i}] has a negative figure";
            if (r.LiveBytes > long.MaxValue - bytes) return $"heap_snapshot.type_rows[{i}].live_bytes: the rows' sum overflows";
            bytes += r.LiveBytes;
        }
        if (bytes > s.LiveBytes) return $"heap_snapshot: the type rows and other_bytes add up to {bytes}, more than live_bytes ({s.LiveBytes})";
        return null;
    }

    public static HeapSnapshotUpload ToUpload(Batch b, string agentId)
    {
        var s = b.HeapSnapshot;
        var info = new Abstractions.HeapSnapshots.HeapSnapshotInfo("", b.Host, b.Pid, b.ProcessName, b.RuntimeVersion, (b.WindowEnd ?? new Timestamp()).ToDateTimeOffset(),
            s.GcNumber, s.PauseUs, s.GcUs, s.HeapBytesBefore, s.HeapBytesAfter, s.LiveBytes, s.LiveObjects, s.References,
            s.RetainedComputed, s.RetainedNote, s.DumpUs, s.TypeRows.Count + s.OtherTypes);
        var types = s.TypeRows.Select(r => new HeapTypeFigures(r.Name, r.LiveBytes, r.Objects, r.RetainedBytes)).ToList();
        return new HeapSnapshotUpload(agentId, (long)b.Sequence, new StoredHeapSnapshot(info, types, s.OtherTypes, s.OtherBytes, s.OtherObjects));
    }
}
