using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace FleetProfiler.Agent.HeapSnapshots;

/// <summary>What one GC heap dump of a process gave: its object graph, and the induced GC's number, pause and heap size.</summary>
public sealed record HeapDump(HeapGraph Graph, long GcNumber, TimeSpan Pause, TimeSpan Gc, long HeapBytesAfter, DateTime StartUtc, DateTime EndUtc);

/// <summary>
/// A GC heap dump over the diagnostics IPC, as dotnet-gcdump takes it (dotnet/diagnostics
/// src/Tools/dotnet-gcdump/DotNetHeapDump/EventPipeDotNetHeapDumper.cs): a short session that flushes the runtime's
/// table of types already logged (so the dump names every type again), then a session with the runtime provider's
/// <c>GCHeapSnapshot</c> keywords, which makes the runtime induce a full blocking GC and walk the heap during it, sending
/// every object (GCBulkNode), reference (GCBulkEdge), root (GCBulkRootEdge, static vars, dependent handles) and type
/// (GCBulkType). Read live, straight into a <see cref="HeapGraph"/>; nothing is written to disk.
/// </summary>
public static class HeapDumpSession
{
    public const string RuntimeCountersProvider = "System.Runtime";

    /// <summary>
    /// The target's GC heap size in bytes from the runtime's <c>gc-heap-size</c> counter (GC.GetTotalMemory: live data
    /// plus garbage not yet collected, so at least what a dump walks), or null when no counter arrived in time.
    /// </summary>
    public static async Task<long?> ReadHeapSizeAsync(int processId, TimeSpan timeout, CancellationToken ct)
    {
        using var buffer = Sessions.TargetBuffers.Reserve(processId, 16, "heap size counter");
        var client = new DiagnosticsClient(processId);
        EventPipeSession session;
        try
        {
            session = await client.StartEventPipeSessionAsync(new EventPipeSessionConfiguration(
                [new EventPipeProvider(RuntimeCountersProvider, EventLevel.Informational, -1, new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" })],
                16, requestRundown: false, requestStackwalk: false), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw ProcessDiscovery.Unavailable(processId, e);
        }
        var found = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var source = new EventPipeEventSource(session.EventStream);
        source.Dynamic.All += e =>
        {
            // One unnamed field holding {"Payload": {"Name": …, "Mean": …}} (TraceEvent's StructValue dictionaries).
            if (e.EventName != "EventCounters" || e.PayloadNames.Length == 0 || e.PayloadValue(0) is not IDictionary<string, object> outer) return;
            var payload = outer.TryGetValue("Payload", out var inner) && inner is IDictionary<string, object> nested ? nested : outer;
            if (payload.TryGetValue("Name", out var name) && name as string == "gc-heap-size" && payload.TryGetValue("Mean", out var mean))
            {
                // The counter is in MB of 10^6 bytes.
                found.TrySetResult((long)(Convert.ToDouble(mean, System.Globalization.CultureInfo.InvariantCulture) * 1_000_000));
            }
        };
        var reading = Task.Factory.StartNew(source.Process, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return await found.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            await StopQuietlyAsync(session, reading);
        }
    }

    /// <exception cref="TargetUnavailableException">The process is gone or refused a session.</exception>
    /// <exception cref="TimeoutException">No heap dump completed within <paramref name="timeout"/>.</exception>
    public static async Task<HeapDump> CollectAsync(int processId, int maxObjects, TimeSpan timeout, CancellationToken ct)
    {
        var start = DateTime.UtcNow;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        await FlushTypeTableAsync(processId, deadline.Token);

        var client = new DiagnosticsClient(processId);
        EventPipeSession session;
        try
        {
            // Stack-less and without rundown: only the heap's events are read. The buffer is gcdump's: a large heap's
            // events arrive faster than they are read, and a lost event shows as references that do not match objects.
            session = await client.StartEventPipeSessionAsync(new EventPipeSessionConfiguration(
                [new EventPipeProvider(SessionPlan.RuntimeProvider, EventLevel.Verbose, (long)ClrTraceEventParser.Keywords.GCHeapSnapshot)],
                1024, requestRundown: false, requestStackwalk: false), deadline.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw ProcessDiscovery.Unavailable(processId, e);
        }

        var reader = new DumpReader(new HeapGraph { MaxObjects = maxObjects });
        using var source = new EventPipeEventSource(session.EventStream);
        reader.Attach(source);
        var reading = Task.Factory.StartNew(source.Process, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await reader.Done.Task.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException(reader.GcNumber < 0
                ? $"no heap dump GC started in process {processId} within {timeout.TotalSeconds:F0} s"
                : $"the heap dump of process {processId} did not finish within {timeout.TotalSeconds:F0} s ({reader.Graph.Count} objects read)");
        }
        finally
        {
            await StopQuietlyAsync(session, reading);
        }
        return new HeapDump(reader.Graph, reader.GcNumber, reader.Pause, reader.Gc, reader.HeapBytesAfter, start, DateTime.UtcNow);
    }

    /// <summary>
    /// Any session that changes the runtime's enabled keywords makes it forget which types it already logged (dotnet-gcdump
    /// opens this one for the same reason): without it, types logged by earlier allocation sessions stay unnamed.
    /// </summary>
    private static async Task FlushTypeTableAsync(int processId, CancellationToken ct)
    {
        using var buffer = Sessions.TargetBuffers.Reserve(processId, 16, "type table flush");
        var client = new DiagnosticsClient(processId);
        EventPipeSession session;
        try
        {
            session = await client.StartEventPipeSessionAsync(new EventPipeSessionConfiguration(
                [new EventPipeProvider(SessionPlan.SampleProfilerProvider, EventLevel.Informational)],
                16, requestRundown: false, requestStackwalk: false), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw ProcessDiscovery.Unavailable(processId, e);
        }
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var source = new EventPipeEventSource(session.EventStream);
        source.AllEvents += _ => first.TrySetResult();
        var reading = Task.Factory.StartNew(source.Process, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await first.Task.WaitAsync(TimeSpan.FromSeconds(5), ct).ContinueWith(_ => { }, CancellationToken.None);
        }
        finally
        {
            await StopQuietlyAsync(session, reading);
        }
    }

    private static async Task StopQuietlyAsync(EventPipeSession session, Task reading)
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await session.StopAsync(stop.Token);
        }
        catch (Exception e) when (e is IOException or ServerNotAvailableException or ObjectDisposedException or TimeoutException
            or OperationCanceledException or UnsupportedCommandException)
        {
            // The target is gone or the session ended: its stream ends by itself.
        }
        try
        {
            await reading.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is TimeoutException or IOException or ObjectDisposedException or EndOfStreamException or FormatException)
        {
            // A stream cut mid-block by a target that died: what was read still counts.
        }
        finally
        {
            session.Dispose();
        }
    }

    /// <summary>The dump's events, in the order the runtime sends them: suspend, GC start, the walk, GC stop, restart.</summary>
    private sealed class DumpReader(HeapGraph graph)
    {
        private double _suspendMs = double.NaN, _gcStartMs, _gcStopMs = double.NaN;

        public HeapGraph Graph { get; } = graph;
        public long GcNumber { get; private set; } = -1;
        public TimeSpan Pause { get; private set; }
        public TimeSpan Gc { get; private set; }
        public long HeapBytesAfter { get; private set; }
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private bool Walking => GcNumber >= 0 && double.IsNaN(_gcStopMs);

        public void Attach(EventPipeEventSource source)
        {
            var clr = source.Clr;
            clr.GCSuspendEEStart += e =>
            {
                if (GcNumber < 0) _suspendMs = e.TimeStampRelativeMSec;
            };
            clr.GCStart += e =>
            {
                // The induced GC is the first full, non-background one of the session (dotnet-gcdump's rule).
                if (GcNumber >= 0 || e.Depth != 2 || e.Type == GCType.BackgroundGC) return;
                GcNumber = e.Count;
                _gcStartMs = e.TimeStampRelativeMSec;
            };
            clr.GCHeapStats += e =>
            {
                // Sent at the end of the induced GC, around its GCStop.
                if (GcNumber >= 0 && HeapBytesAfter == 0) HeapBytesAfter = e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4;
            };
            clr.GCStop += e =>
            {
                if (!Walking || e.Count != GcNumber) return;
                _gcStopMs = e.TimeStampRelativeMSec;
                Gc = TimeSpan.FromMilliseconds(_gcStopMs - _gcStartMs);
            };
            clr.GCRestartEEStop += e =>
            {
                if (GcNumber < 0 || double.IsNaN(_gcStopMs) || Done.Task.IsCompleted) return;
                var from = double.IsNaN(_suspendMs) ? _gcStartMs : _suspendMs;
                Pause = TimeSpan.FromMilliseconds(e.TimeStampRelativeMSec - from);
                Done.TrySetResult();
            };
            clr.TypeBulkType += e =>
            {
                for (var i = 0; i < e.Count; i++)
                {
                    var t = e.Values(i);
                    Graph.NameType(t.TypeID, t.TypeName);
                }
            };
            clr.GCBulkNode += e =>
            {
                if (!Walking) return;
                for (var i = 0; i < e.Count; i++)
                {
                    var n = e.Values(i);
                    Graph.AddNode(n.Address, (long)n.Size, n.TypeID, (int)n.EdgeCount);
                }
            };
            clr.GCBulkEdge += e =>
            {
                if (!Walking) return;
                for (var i = 0; i < e.Count; i++) Graph.AddEdge(e.Values(i).Target);
            };
            clr.GCBulkRootEdge += e =>
            {
                if (!Walking) return;
                for (var i = 0; i < e.Count; i++)
                {
                    var r = e.Values(i);
                    // Weak references do not keep anything alive.
                    if ((r.GCRootFlag & GCRootFlags.WeakRef) == 0) Graph.AddRoot(r.RootedNodeAddress);
                }
            };
            clr.GCBulkRootStaticVar += e =>
            {
                if (!Walking) return;
                for (var i = 0; i < e.Count; i++) Graph.AddRoot(e.Values(i).ObjectID);
            };
            clr.GCBulkRootCCW += e =>
            {
                if (!Walking) return;
                for (var i = 0; i < e.Count; i++) Graph.AddRoot(e.Values(i).ObjectID);
            };
            clr.GCBulkRootConditionalWeakTableElementEdge += e =>
            {
                if (!Walking) return;
                for (var i = 0; i < e.Count; i++)
                {
                    var d = e.Values(i);
                    if (d.GCKeyNodeID != 0) Graph.AddRoot(d.GCValueNodeID);
                }
            };
        }
    }
}
