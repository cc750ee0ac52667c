using FleetProfiler.Abstractions.HeapSnapshots;
using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Gateway.Query;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Gateway.HeapSnapshots;

/// <summary>
/// The heap snapshot queries: list a service's (or host's) snapshots, show one, compare two. Snapshots live in one
/// <see cref="IHeapSnapshotsGrain"/> per host; this service only checks, gathers and translates.
/// </summary>
public sealed class HeapSnapshotService(IGrainFactory grains) : Protocol.V1.HeapSnapshots.HeapSnapshotsBase
{
    public override async Task<ListHeapSnapshotsReply> ListHeapSnapshots(ListHeapSnapshotsRequest request, ServerCallContext context)
    {
        var service = Service(request.Service);
        var limit = request.Limit < 0 ? throw QueryArguments.Invalid("limit: must not be negative") : request.Limit == 0 ? 50 : Math.Min(request.Limit, 1000);
        var snapshots = await ListAsync(service, Host(request.Host));
        var reply = new ListHeapSnapshotsReply();
        reply.Snapshots.AddRange(snapshots.Take(limit).Select(ToInfo));
        return reply;
    }

    public override async Task<HeapSnapshotReply> GetHeapSnapshot(GetHeapSnapshotRequest request, ServerCallContext context)
    {
        var service = Service(request.Service);
        var limit = Limit(request.Limit);
        var orderBy = request.OrderBy switch
        {
            "" or "live" => "live",
            "retained" or "objects" => request.OrderBy,
            _ => throw QueryArguments.Invalid($"order_by: unknown order '{request.OrderBy}' (live, retained or objects)"),
        };
        var snapshot = await FindAsync(service, Host(request.Host), request.Id, "id");
        var reply = new HeapSnapshotReply { Info = ToInfo(snapshot.Info) };
        var ordered = HeapSnapshotDiff.Order(snapshot.Types, orderBy).ToList();
        reply.Rows.AddRange(ordered.Take(limit).Select(t => new HeapTypeRow { Name = t.Name, LiveBytes = t.LiveBytes, Objects = t.Objects, RetainedBytes = t.RetainedBytes }));
        var rest = ordered.Skip(limit).ToList();
        reply.OtherTypes = snapshot.OtherTypes + rest.Count;
        reply.OtherBytes = snapshot.OtherBytes + rest.Sum(t => t.LiveBytes);
        reply.OtherObjects = snapshot.OtherObjects + rest.Sum(t => t.Objects);
        return reply;
    }

    public override async Task<HeapSnapshotDiffReply> DiffHeapSnapshots(DiffHeapSnapshotsRequest request, ServerCallContext context)
    {
        var service = Service(request.Service);
        var limit = Limit(request.Limit);
        var b = await FindAsync(service, Host(request.Host), request.B, "b");
        StoredHeapSnapshot a;
        if (request.A.Length > 0)
        {
            a = await FindAsync(service, null, request.A, "a");
        }
        else
        {
            var earlier = (await ListAsync(service, b.Info.Host)).FirstOrDefault(x => x.TakenAt < b.Info.TakenAt || (x.TakenAt == b.Info.TakenAt && x.Id != b.Info.Id))
                ?? throw QueryArguments.NotFound($"a: host '{b.Info.Host}' has no snapshot before {b.Info.Id} to compare with");
            a = await FindAsync(service, null, earlier.Id, "a");
        }
        var reply = new HeapSnapshotDiffReply { A = ToInfo(a.Info), B = ToInfo(b.Info) };
        foreach (var c in HeapSnapshotDiff.Compute(a, b, limit))
        {
            reply.Rows.Add(new HeapTypeDiff
            {
                Name = c.Name,
                BytesA = c.A?.LiveBytes ?? 0,
                BytesB = c.B?.LiveBytes ?? 0,
                Growth = c.Growth,
                ObjectsA = c.A?.Objects ?? 0,
                ObjectsB = c.B?.Objects ?? 0,
                RetainedA = c.A?.RetainedBytes ?? 0,
                RetainedB = c.B?.RetainedBytes ?? 0,
            });
        }
        var notes = new List<string>();
        if (a.OtherTypes > 0 || b.OtherTypes > 0)
            notes.Add($"types beyond each snapshot's rows are not compared (A: {a.OtherTypes} types, {a.OtherBytes} bytes; B: {b.OtherTypes} types, {b.OtherBytes} bytes)");
        if (a.Info.Pid != b.Info.Pid || a.Info.Host != b.Info.Host)
            notes.Add($"A and B are different processes ({a.Info.Host} pid {a.Info.Pid}, {b.Info.Host} pid {b.Info.Pid})");
        reply.Note = string.Join("; ", notes);
        return reply;
    }

    private static string Service(string service) => QueryArguments.Selector(new Selector { Service = service }, "request").Service;

    private static string? Host(string host) => string.IsNullOrWhiteSpace(host) ? null : host;

    private static int Limit(int limit) =>
        limit < 0 ? throw QueryArguments.Invalid("limit: must not be negative") : limit == 0 ? 20 : Math.Min(limit, 10_000);

    /// <summary>Snapshots of the service's hosts (or one host), newest first.</summary>
    private async Task<IReadOnlyList<Abstractions.HeapSnapshots.HeapSnapshotInfo>> ListAsync(string service, string? host)
    {
        var hosts = await grains.GetGrain<IServiceGrain>(service).GetHostsAsync();
        if (hosts.Count == 0) throw QueryArguments.NotFound($"service: unknown service '{service}'");
        if (host is not null && !hosts.Contains(host)) throw QueryArguments.NotFound($"host: service '{service}' has no host '{host}'");
        var lists = await Task.WhenAll((host is null ? hosts : [host]).Select(h => grains.GetGrain<IHeapSnapshotsGrain>(HostKey.Of(service, h)).ListAsync()));
        return lists.SelectMany(l => l).OrderByDescending(s => s.TakenAt).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
    }

    private async Task<StoredHeapSnapshot> FindAsync(string service, string? host, string id, string field)
    {
        if (id.Length == 0)
        {
            var newest = (await ListAsync(service, host)).FirstOrDefault()
                ?? throw QueryArguments.NotFound($"{field}: no heap snapshot of '{service}'{(host is null ? "" : $" host '{host}'")} (take one: fleetprofiler trigger --kind heap, docs/live-memory.md)");
            id = newest.Id;
        }
        var slash = id.LastIndexOf('/');
        if (slash <= 0 || !long.TryParse(id.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            throw QueryArguments.Invalid($"{field}: '{id}' is not a snapshot id (host/N, as the list names them)");
        var snapshotHost = id[..slash];
        return await grains.GetGrain<IHeapSnapshotsGrain>(HostKey.Of(service, snapshotHost)).GetAsync(number)
            ?? throw QueryArguments.NotFound($"{field}: no snapshot '{id}' of service '{service}' (expired or never taken)");
    }

    internal static Protocol.V1.HeapSnapshotInfo ToInfo(Abstractions.HeapSnapshots.HeapSnapshotInfo i) => new()
    {
        Id = i.Id,
        Host = i.Host,
        Pid = i.Pid,
        ProcessName = i.ProcessName,
        RuntimeVersion = i.RuntimeVersion,
        TakenAt = Timestamp.FromDateTimeOffset(i.TakenAt),
        GcNumber = i.GcNumber,
        PauseUs = i.PauseUs,
        GcUs = i.GcUs,
        HeapBytesBefore = i.HeapBytesBefore,
        HeapBytesAfter = i.HeapBytesAfter,
        LiveBytes = i.LiveBytes,
        LiveObjects = i.LiveObjects,
        References = i.References,
        RetainedComputed = i.RetainedComputed,
        RetainedNote = i.RetainedNote,
        DumpUs = i.DumpUs,
        TypeCount = i.Types,
    };
}
