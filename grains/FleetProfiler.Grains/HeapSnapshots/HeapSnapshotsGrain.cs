using FleetProfiler.Abstractions.HeapSnapshots;
using FleetProfiler.Abstractions.Hosts;
using Microsoft.Extensions.Options;

namespace FleetProfiler.Grains.HeapSnapshots;

public sealed class HeapSnapshotsGrain(
    [PersistentState("heapSnapshots", StorageNames.Fleet)] IPersistentState<HeapSnapshotsState> state,
    IOptions<HeapSnapshotStoreOptions> options,
    TimeProvider clock) : Grain, IHeapSnapshotsGrain
{
    public async Task<bool> AddAsync(HeapSnapshotUpload upload)
    {
        var s = state.State;
        // Exactly once per agent sequence, as long as the first copy is kept (a resend comes within seconds).
        if (s.Snapshots.Any(x => x.AgentId == upload.AgentId && x.Sequence == upload.Sequence)) return false;
        var (_, host) = HostKey.Parse(this.GetPrimaryKeyString());
        var number = ++s.LastNumber;
        var snapshot = upload.Snapshot with
        {
            Info = upload.Snapshot.Info with { Id = $"{host}/{number}", Host = host },
            AgentId = upload.AgentId,
            Sequence = upload.Sequence,
        };
        s.Snapshots.Add(snapshot);
        Trim(s);
        await state.WriteStateAsync();
        return true;
    }

    public async Task<IReadOnlyList<HeapSnapshotInfo>> ListAsync()
    {
        await TrimAndSaveAsync();
        return state.State.Snapshots.Select(x => x.Info).Reverse().ToList();
    }

    public async Task<StoredHeapSnapshot?> GetAsync(long number)
    {
        await TrimAndSaveAsync();
        var (_, host) = HostKey.Parse(this.GetPrimaryKeyString());
        var id = $"{host}/{number}";
        return state.State.Snapshots.FirstOrDefault(x => x.Info.Id == id);
    }

    private async Task TrimAndSaveAsync()
    {
        if (Trim(state.State)) await state.WriteStateAsync();
    }

    /// <summary>Drops what is over the cap (oldest first) or past the retention; true when something was dropped.</summary>
    private bool Trim(HeapSnapshotsState s)
    {
        var o = options.Value;
        var before = s.Snapshots.Count;
        var oldest = clock.GetUtcNow() - o.Retention;
        s.Snapshots.RemoveAll(x => x.Info.TakenAt < oldest);
        if (s.Snapshots.Count > o.MaxPerHost) s.Snapshots.RemoveRange(0, s.Snapshots.Count - o.MaxPerHost);
        return s.Snapshots.Count != before;
    }
}

/// <summary>Persisted heap snapshots of one host, oldest first. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class HeapSnapshotsState
{
    [Id(0)] public List<StoredHeapSnapshot> Snapshots { get; set; } = [];

    /// <summary>The last number given out: numbers are never reused, even after snapshots are dropped.</summary>
    [Id(1)] public long LastNumber { get; set; }
}
