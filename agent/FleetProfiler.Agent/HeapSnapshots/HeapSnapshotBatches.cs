using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Agent.HeapSnapshots;

/// <summary>
/// A heap snapshot as one wire batch: kinds <c>["heap"]</c>, no tables or samples. When it is over the gateway's batch
/// size (thousands of long generic type names), the smallest type rows move into the "other" totals until it fits.
/// </summary>
public static class HeapSnapshotBatches
{
    public const string Kind = "heap";

    public static Batch From(HeapSnapshotResult result, string host, int maxBytes)
    {
        var batch = new Batch
        {
            Service = result.Target.ServiceName,
            Host = host,
            Pid = result.Target.ProcessId,
            ProcessName = result.Target.ProcessName,
            WindowStart = Timestamp.FromDateTime(DateTime.SpecifyKind(result.StartUtc, DateTimeKind.Utc)),
            WindowEnd = Timestamp.FromDateTime(DateTime.SpecifyKind(result.EndUtc, DateTimeKind.Utc)),
            Kinds = { Kind },
            RuntimeVersion = result.Target.RuntimeVersion?.ToString() ?? "",
            HeapSnapshot = result.Snapshot.Clone(),
        };
        var rows = batch.HeapSnapshot.TypeRows;
        while (batch.CalculateSize() > maxBytes && rows.Count > 1)
        {
            var drop = Math.Max(1, rows.Count / 4);
            foreach (var row in rows.Skip(rows.Count - drop).ToList())
            {
                batch.HeapSnapshot.OtherTypes++;
                batch.HeapSnapshot.OtherBytes += row.LiveBytes;
                batch.HeapSnapshot.OtherObjects += row.Objects;
                rows.Remove(row);
            }
        }
        return batch;
    }
}
