using System.Globalization;
using System.Text.RegularExpressions;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// One-shot heap snapshots (<c>--once --kind heap</c>) of tests/FleetProfiler.MemoryTarget in mode <c>graph</c>: a Holder
/// retaining ~60 MB of entries and payloads (some on the large object heap), no churn. The target prints its own
/// <c>GC.GetGCMemoryInfo(GCKind.FullBlocking)</c> after every full blocking GC, so the dump's induced GC can be compared
/// with the runtime's own figures for the same GC (matched by its index).
/// </summary>
public sealed partial class HeapSnapshotTests
{
    private static Task<MemoryTargetProcess> GraphTargetAsync(int megabytes) => MemoryTarget.StartAsync(new MemoryTargetOptions
    {
        Mode = "graph",
        ChurnMBPerSecond = 0,
        RetainCapMB = megabytes,
    });

    private static HeapSnapshot Parse(ChildProcess agent) =>
        HeapSnapshot.Parser.WithDiscardUnknownFields(true).ParseJson(Assert.Single(agent.StdoutLines, l => l.StartsWith('{')));

    [Fact]
    public async Task Live_bytes_per_type_add_up_to_the_runtimes_own_heap_after_the_same_gc_and_the_holder_retains_most()
    {
        await using var target = await GraphTargetAsync(60);

        var (exit, agent) = await AgentDaemon.RunOnceAsync(target.Pid, "heap", 0);

        Assert.True(exit == 0, agent.Output);
        var snapshot = Parse(agent);
        var line = await target.Process.WaitForLineAsync($"full-gc index={snapshot.GcNumber} ", TestTimeouts.Step);
        var gc = FullGc().Match(line);
        var heap = long.Parse(gc.Groups["heap"].Value, CultureInfo.InvariantCulture);
        var fragmented = long.Parse(gc.Groups["fragmented"].Value, CultureInfo.InvariantCulture);
        // The heap size counts the free space between objects (fragmentation), which a dump does not list as objects.
        var inObjects = heap - fragmented;
        var typesTotal = snapshot.TypeRows.Sum(r => r.LiveBytes) + snapshot.OtherBytes;
        Assert.Equal(snapshot.LiveBytes, typesTotal);
        Assert.True(Math.Abs(typesTotal - inObjects) <= 0.05 * inObjects,
            $"dump {typesTotal} bytes vs runtime heap {heap} - fragmented {fragmented} = {inObjects} after GC {snapshot.GcNumber}");
        Assert.True(typesTotal >= 60L * 1024 * 1024 * 0.95, $"dump {typesTotal} bytes for a 60 MB registry");

        // By live bytes the payload arrays lead; by retained bytes the one small Holder keeping them all does.
        Assert.Equal("System.Byte[]", snapshot.TypeRows[0].Name);
        Assert.True(snapshot.RetainedComputed, snapshot.RetainedNote);
        var byRetained = snapshot.TypeRows.OrderByDescending(r => r.RetainedBytes).First();
        Assert.Equal("Holder", byRetained.Name);
        Assert.Equal(1, byRetained.Objects);
        Assert.True(byRetained.RetainedBytes >= 0.95 * 60 * 1024 * 1024, $"Holder retains {byRetained.RetainedBytes}");
        Assert.True(snapshot.PauseUs > 0 && snapshot.PauseUs >= snapshot.GcUs, $"pause {snapshot.PauseUs} µs, GC {snapshot.GcUs} µs");
        Assert.True(snapshot.HeapBytesBefore >= inObjects * 0.9, $"heap before {snapshot.HeapBytesBefore}");
        Assert.Contains($"heap snapshot after GC {snapshot.GcNumber}:", Assert.Single(agent.Lines("fleetprofiler-agent: heap snapshot after GC")));
    }

    [Fact]
    public async Task A_target_above_the_heap_ceiling_is_refused_with_one_line_and_no_dump()
    {
        await using var target = await GraphTargetAsync(40);

        var (exit, agent) = await AgentDaemon.RunOnceAsync(target.Pid, "heap", 0, extra: ["--Agent:HeapSnapshot:MaxHeapMB", "16"]);

        Assert.Equal(ExitCodes.TargetUnavailable, exit);
        Assert.Empty(agent.StdoutLines);
        var refusal = Assert.Single(agent.StderrLines, l => l.StartsWith("fleetprofiler-agent:", StringComparison.Ordinal));
        Assert.Matches($@"^fleetprofiler-agent: heap snapshot of pid {target.Pid} refused: its GC heap is \d+ MB, over the ceiling of 16 MB \(Agent:HeapSnapshot:MaxHeapMB\)", refusal);
        Assert.DoesNotContain(agent.StderrLines, l => l.Contains("inducing a full blocking GC", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Above_the_retained_object_cap_the_snapshot_keeps_live_bytes_and_says_retained_sizes_are_omitted()
    {
        await using var target = await GraphTargetAsync(20);

        var (exit, agent) = await AgentDaemon.RunOnceAsync(target.Pid, "heap", 0, extra: ["--Agent:HeapSnapshot:MaxRetainedObjects", "1000"]);

        Assert.True(exit == 0, agent.Output);
        var snapshot = Parse(agent);
        Assert.False(snapshot.RetainedComputed);
        Assert.StartsWith("retained sizes omitted: ", snapshot.RetainedNote);
        Assert.Contains("over Agent:HeapSnapshot:MaxRetainedObjects (1,000)", snapshot.RetainedNote);
        Assert.All(snapshot.TypeRows, r => Assert.Equal(0, r.RetainedBytes));
        Assert.Equal("System.Byte[]", snapshot.TypeRows[0].Name);
    }

    [GeneratedRegex(@"heap=(?<heap>\d+) fragmented=(?<fragmented>\d+)")]
    private static partial Regex FullGc();
}
