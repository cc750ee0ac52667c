using FleetProfiler.Protocol.V1;
using HeapClient = FleetProfiler.Protocol.V1.HeapSnapshots.HeapSnapshotsClient;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler heap list</c>: the heap snapshots of a service or host, newest first.</summary>
public sealed class HeapListCommand : ToolCommand
{
    public override string Name => "heap list";
    public override string Summary => "heap snapshots (live bytes by type) of a service or host, newest first";

    public override string Help => """
        Usage: fleetprofiler heap list --service S [--host H] [--limit N]

        Lists the heap snapshots the agents took (fleetprofiler heap take, a heap schedule, or the agent's heap signal):
        when, which process, the target's pause, its heap before the dump and the live bytes found. The silo keeps a
        bounded number per host (FleetProfiler:HeapSnapshots, docs/live-memory.md).

          --service S   the service (required); --host H one host
          --limit N     rows, 1 to 1000 (default 50)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--host"), new("--limit")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new ListHeapSnapshotsRequest { Service = o.Required("--service"), Host = o.Value("--host") ?? "", Limit = o.Int("--limit", 1, 1000) ?? 50 };
        var reply = await new HeapClient(context.Gateway.Channel).ListHeapSnapshotsAsync(request, context.Call());
        var table = new TextTable(("ID", false), ("TAKEN", false), ("PID", true), ("PAUSE MS", true), ("HEAP BEFORE", true), ("LIVE BYTES", true), ("OBJECTS", true), ("TYPES", true), ("RETAINED", false));
        foreach (var s in reply.Snapshots)
        {
            table.Add(s.Id, Formatting.Time(s.TakenAt.ToDateTimeOffset()), s.Pid.ToString(CultureInfo.InvariantCulture), HeapFormat.Ms(s.PauseUs),
                s.HeapBytesBefore > 0 ? Formatting.Count(s.HeapBytesBefore) : "?", Formatting.Count(s.LiveBytes), Formatting.Count(s.LiveObjects),
                Formatting.Count(s.TypeCount), s.RetainedComputed ? "yes" : "omitted");
        }
        table.WriteTo(context.Console.Out);
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler heap show</c>: one heap snapshot's largest types.</summary>
public sealed class HeapShowCommand : ToolCommand
{
    public override string Name => "heap show";
    public override string Summary => "one heap snapshot: top types by live bytes, retained bytes or objects";

    public override string Help => """
        Usage: fleetprofiler heap show --service S [--id host/N | --host H] [--by live|retained|objects] [--limit N]

        Prints a snapshot's summary (pause, heap before and after, live bytes and objects) and its largest types.
        Retained bytes of a type: what only its objects keep alive (dominator tree; omitted over the agent's
        Agent:HeapSnapshot:MaxRetainedObjects, and the summary says so). Without --id: the newest snapshot.

          --service S      the service (required)
          --id host/N      a snapshot, as heap list names it; --host H the newest of one host
          --by ORDER       live (default), retained or objects
          --limit N        rows, 1 to 10000 (default 20)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--id"), new("--host"), new("--by"), new("--limit")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new GetHeapSnapshotRequest
        {
            Service = o.Required("--service"),
            Id = o.Value("--id") ?? "",
            Host = o.Value("--host") ?? "",
            OrderBy = o.OneOf("--by", ["live", "retained", "objects"]) ?? "live",
            Limit = o.Int("--limit", 1, 10_000) ?? 20,
        };
        var reply = await new HeapClient(context.Gateway.Channel).GetHeapSnapshotAsync(request, context.Call());
        var output = context.Console.Out;
        await output.WriteLineAsync(HeapFormat.Summary(reply.Info));
        var table = new TextTable(("LIVE BYTES", true), ("OBJECTS", true), ("RETAINED", true), ("TYPE", false));
        foreach (var t in reply.Rows)
            table.Add(Formatting.Count(t.LiveBytes), Formatting.Count(t.Objects), reply.Info.RetainedComputed ? Formatting.Count(t.RetainedBytes) : "-", t.Name);
        if (reply.OtherTypes > 0)
            table.Add(Formatting.Count(reply.OtherBytes), Formatting.Count(reply.OtherObjects), "-", $"[{Formatting.Quantity(reply.OtherTypes, "other type")}]");
        table.WriteTo(output);
        if (!reply.Info.RetainedComputed) await context.Console.Error.WriteLineAsync($"fleetprofiler: {reply.Info.RetainedNote}");
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler heap diff</c>: two heap snapshots compared by type.</summary>
public sealed class HeapDiffCommand : ToolCommand
{
    public override string Name => "heap diff";
    public override string Summary => "two heap snapshots compared by type, largest growth first";

    public override string Help => """
        Usage: fleetprofiler heap diff --service S [--a host/N] [--b host/M] [--host H] [--limit N]

        Live bytes and objects per type in B minus A. Without --b: the newest snapshot (of --host, or of the service);
        without --a: the snapshot before B on B's host.

          --service S   the service (required)
          --limit N     rows, 1 to 10000 (default 20)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--a"), new("--b"), new("--host"), new("--limit")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new DiffHeapSnapshotsRequest
        {
            Service = o.Required("--service"),
            A = o.Value("--a") ?? "",
            B = o.Value("--b") ?? "",
            Host = o.Value("--host") ?? "",
            Limit = o.Int("--limit", 1, 10_000) ?? 20,
        };
        var reply = await new HeapClient(context.Gateway.Channel).DiffHeapSnapshotsAsync(request, context.Call());
        var output = context.Console.Out;
        await output.WriteLineAsync($"A: {HeapFormat.Summary(reply.A)}");
        await output.WriteLineAsync($"B: {HeapFormat.Summary(reply.B)}");
        var table = new TextTable(("GROWTH", true), ("A", true), ("B", true), ("OBJECTS", true), ("TYPE", false));
        foreach (var t in reply.Rows)
            table.Add(HeapFormat.Signed(t.Growth), Formatting.Count(t.BytesA), Formatting.Count(t.BytesB), HeapFormat.Signed(t.ObjectsB - t.ObjectsA), t.Name);
        table.WriteTo(output);
        if (reply.Note.Length > 0) await context.Console.Error.WriteLineAsync($"fleetprofiler: {reply.Note}");
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler heap take</c>: asks a host's agent for a heap snapshot now.</summary>
public sealed class HeapTakeCommand : ToolCommand
{
    public override string Name => "heap take";
    public override string Summary => "ask a host's agent for a heap snapshot now (prints the command id and the agent's answer)";

    public override string Help => $"""
        Usage: fleetprofiler heap take --service S --host H [--pid P] [--wait N | --no-wait]

        Sends a heap snapshot command (kind heap) to the agent of H: it induces one full blocking GC in each target
        (the pause grows with the heap) and sends the summary by type. Prints the command id, then waits for the
        agent's answers: refused with its reason (exit {ExitCodes.Refused}: a pid it does not know or may not profile, a
        snapshot of it already under way), else accepted and, once the snapshots are taken, done or failed with each
        target's reason (exit {ExitCodes.Refused}: a heap over the agent's Agent:HeapSnapshot:MaxHeapMB, a process gone).
        Fails (exit 1) when the agent is not connected. Then: fleetprofiler heap list.

          --service S   the service (required); --host H the host (required)
          --pid P       one process (default 0 = every process of the service on that host)
        {CommandOutcomes.WaitHelp}
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--host"), new("--pid"), .. CommandOutcomes.WaitOptions];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new TriggerRequest
        {
            Service = o.Required("--service"),
            Host = o.Required("--host"),
            Pid = o.Int("--pid", 0, int.MaxValue) ?? 0,
            Kind = "heap",
            Seconds = 1,
        };
        var wait = CommandOutcomes.WaitSeconds(o);
        var reply = await new Query.QueryClient(context.Gateway.Channel).TriggerAsync(request, context.Call());
        var target = request.Pid == 0 ? $"every process of {request.Service}" : $"pid {request.Pid}";
        return await CommandOutcomes.ReportAsync(context, request.Service, request.Host, reply.CommandId, $"heap snapshot of {target} on {request.Host}", wait, oneShot: true);
    }
}

internal static class HeapFormat
{
    public static string Ms(long us) => (us / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);

    public static string Signed(long value) => value > 0 ? "+" + Formatting.Count(value) : value < 0 ? "-" + Formatting.Count(-value) : "0";

    public static string Summary(HeapSnapshotInfo s) =>
        $"{s.Id} {Formatting.Time(s.TakenAt.ToDateTimeOffset())} pid {s.Pid} ({s.ProcessName}): {Formatting.Count(s.LiveBytes)} live bytes in " +
        $"{Formatting.Count(s.LiveObjects)} objects of {Formatting.Count(s.TypeCount)} types after GC {s.GcNumber}; paused {Ms(s.PauseUs)} ms " +
        $"(GC {Ms(s.GcUs)} ms); heap before {(s.HeapBytesBefore > 0 ? Formatting.Count(s.HeapBytesBefore) : "?")}, after {Formatting.Count(s.HeapBytesAfter)} bytes";
}
