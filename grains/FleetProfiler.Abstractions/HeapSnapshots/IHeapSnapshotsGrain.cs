namespace FleetProfiler.Abstractions.HeapSnapshots;

/// <summary>
/// The heap snapshots of one host of one service, keyed <c>service/host</c> (see <see cref="Hosts.HostKey"/>), newest
/// last. Bounded: at most a configured number per host, none older than the retention (FleetProfiler:HeapSnapshots).
/// </summary>
public interface IHeapSnapshotsGrain : IGrainWithStringKey
{
    /// <summary>Stores a snapshot unless this agent's sequence was stored before (a resend); false for a resend.</summary>
    Task<bool> AddAsync(HeapSnapshotUpload upload);

    /// <summary>The snapshots kept, newest first, without their type rows.</summary>
    Task<IReadOnlyList<HeapSnapshotInfo>> ListAsync();

    /// <summary>One snapshot by its number on this host, or null when it is unknown or expired.</summary>
    Task<StoredHeapSnapshot?> GetAsync(long number);
}

/// <summary>A snapshot as an agent sent it (Batch.heap_snapshot), with the batch's identity for exactly-once storage.</summary>
[GenerateSerializer, Immutable]
public sealed record HeapSnapshotUpload(
    [property: Id(0)] string AgentId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] StoredHeapSnapshot Snapshot);

/// <summary>
/// What a heap snapshot says about a process: when, the induced GC's pause, the heap sizes before and after it, and
/// the totals. <see cref="Id"/> is <c>host/number</c>, numbers counting up per host from 1.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HeapSnapshotInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Host,
    [property: Id(2)] int Pid,
    [property: Id(3)] string ProcessName,
    [property: Id(4)] string RuntimeVersion,
    [property: Id(5)] DateTimeOffset TakenAt,
    [property: Id(6)] long GcNumber,
    [property: Id(7)] long PauseUs,
    [property: Id(8)] long GcUs,
    [property: Id(9)] long HeapBytesBefore,
    [property: Id(10)] long HeapBytesAfter,
    [property: Id(11)] long LiveBytes,
    [property: Id(12)] long LiveObjects,
    [property: Id(13)] long References,
    [property: Id(14)] bool RetainedComputed,
    [property: Id(15)] string RetainedNote,
    [property: Id(16)] long DumpUs,
    [property: Id(17)] int Types);

/// <summary>Bytes, objects and retained bytes of one type in a snapshot.</summary>
[GenerateSerializer, Immutable]
public sealed record HeapTypeFigures(
    [property: Id(0)] string Name,
    [property: Id(1)] long LiveBytes,
    [property: Id(2)] long Objects,
    [property: Id(3)] long RetainedBytes);

/// <summary>A stored snapshot: its summary, its largest types, and the rest added up.</summary>
[GenerateSerializer, Immutable]
public sealed record StoredHeapSnapshot(
    [property: Id(0)] HeapSnapshotInfo Info,
    [property: Id(1)] IReadOnlyList<HeapTypeFigures> Types,
    [property: Id(2)] int OtherTypes,
    [property: Id(3)] long OtherBytes,
    [property: Id(4)] long OtherObjects,
    [property: Id(5)] string AgentId = "",
    [property: Id(6)] long Sequence = 0);
