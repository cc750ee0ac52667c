using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>
/// Reads a recorded window (.nettrace) in one streamed pass (<see cref="StreamedStacks"/>: addresses resolved to methods
/// from the trace's method and rundown events; or TraceLog, <c>Agent:Symbolizer=tracelog</c>) and aggregates its thread
/// and allocation samples by stack into a <see cref="ProfileWindow"/>.
/// </summary>
/// <remarks>
/// The spike measured 99.7% of frames resolved, including ReadyToRun framework code; on the demo service 98.6–98.9%
/// (the rest: ReadyToRun P/Invoke stubs in System.Net.Sockets, which the rundown does not list, named by module).
/// </remarks>
public sealed class TraceSymbolizer(ILogger<TraceSymbolizer> logger, IOptions<AgentOptions> options)
{
    /// <summary>Endpoint id of samples of a window without attribution, and of in-use values (an object outlives its request).</summary>
    private const int NoEndpoint = int.MinValue;

    // One line per module for the agent's lifetime, not one per window.
    private readonly ConcurrentDictionary<string, bool> _reportedMissingPdbs = new(StringComparer.Ordinal);

    /// <param name="carry">Continuous inuse runs: the objects tracked by the previous windows of this process (updated).</param>
    /// <param name="attributor">The window's request timeline (null: attribution off, samples carry no endpoint).</param>
    public ProfileWindow Symbolize(RecordedTrace trace, string etlxPath, TargetProcess target, SessionPlan plan, LiveHeapCarry? carry = null,
        SampleAttributor? attributor = null)
    {
        logger.LogDebug("Symbolizing {Trace}: {Memory}", trace.Path, AgentResources.Describe());
        // Local portable PDBs only (embedded, beside the module, or at its recorded path), never a symbol server.
        using var lines = new SourceLineReader(new SourcePathRules(options.Value.SourcePathPrefixesOf(target.ServiceName)));
        IWindowStacks reader;
        try
        {
            reader = options.Value.Symbolizer == AgentOptions.TraceLogSymbolizer || !EventStacks.Available
                ? TraceLogStacks.Open(trace.Path, etlxPath, lines, trace.Modules)
                : new StreamedStacks(trace.Path, lines, trace.Modules);
        }
        catch (Exception e) when (trace.TargetExited && e is not OutOfMemoryException)
        {
            // A target that died early can leave a file too short to read: an empty window, not a failure.
            logger.LogWarning("Trace of exited process {Pid} is unreadable ({Message}); the window is empty", target.ProcessId, e.Message);
            return Empty(trace, target, plan) with { Attribution = attributor?.Summary() };
        }
        using var readerLifetime = reader;
        logger.LogDebug("Opened the trace ({Reader}): {Memory}", reader.GetType().Name, AgentResources.Describe());

        var stacks = new Dictionary<(int Stack, string? Type, int Endpoint), Tally>();
        var interval = new SamplingIntervalEstimator();
        // Thread samples name the sampled thread; allocation samples are written by the allocating thread itself.
        int EndpointOf(TraceEvent e) => attributor?.Attribute(e.ThreadID, AttributionSession.Time(e)) ?? NoEndpoint;
        void Add(int stack, string? type, int endpoint, double cpu, double wall, double bytes, double count)
        {
            ref var tally = ref CollectionsMarshal.GetValueRefOrAddDefault(stacks, (stack, type, endpoint), out _);
            tally.Add(cpu, wall, bytes, count);
        }
        var live = plan.Kinds.HasFlag(ProfileKinds.Inuse) ? carry?.Objects ?? new LiveObjects(options.Value.InuseMaxTrackedObjects) : null;
        live?.ResetStatistics();
        // Sites of a continuous run's earlier windows keep their numbers; this window's come after them.
        var siteOffset = live is null ? 0 : carry?.Sites.Count ?? 0;
        var carried = new Dictionary<LiveSite, (double Bytes, double Count)>();
        var sites = new Dictionary<(int Stack, string? Type), int>();
        var siteKeys = new List<(int Stack, string? Type)>();

        var source = reader.Source;
        if ((plan.Kinds & (ProfileKinds.Cpu | ProfileKinds.Wall)) != 0)
        {
            new SampleProfilerTraceEventParser(source).ThreadSample += e =>
            {
                interval.Add(e.ThreadID, e.TimeStampRelativeMSec);
                Add(reader.StackOf(e), null, EndpointOf(e), e.Type == ClrThreadSampleType.Managed ? 1 : 0, 1, 0, 0);
            };
        }
        if (plan.AllocationSource == AllocationSource.AllocationSampled)
        {
            source.Clr.AllocationSampling += e =>
            {
                var (bytes, count) = AllocationEstimate.FromAllocationSampled(e.ObjectSize);
                var key = (reader.StackOf(e), TypeNameOrUnknown(e.TypeName));
                Add(key.Item1, key.Item2, EndpointOf(e), 0, 0, bytes, count);
                if (live is not null)
                {
                    ref var site = ref CollectionsMarshal.GetValueRefOrAddDefault(sites, key, out var known);
                    if (!known)
                    {
                        site = siteOffset + siteKeys.Count;
                        siteKeys.Add(key);
                    }
                    live.Allocated(e.Address, site, bytes, count, longLived: e.AllocationKind != GCAllocationKind.Small);
                }
            };
        }
        if (live is not null)
        {
            LiveHeapEvents.Subscribe(source.Clr, live);
        }
        else if (plan.AllocationSource == AllocationSource.GCAllocationTick)
        {
            source.Clr.GCAllocationTick += e =>
            {
                var (bytes, count) = AllocationEstimate.FromAllocationTick(e.AllocationAmount64, e.ObjectSize);
                Add(reader.StackOf(e), TypeNameOrUnknown(e.TypeName), EndpointOf(e), 0, 0, bytes, count);
            };
        }
        try
        {
            reader.Process();
        }
        catch (Exception e) when (trace.TargetExited && e is not OutOfMemoryException)
        {
            // A process killed mid-write leaves the trace cut inside a block: keep what was read before the cut.
            logger.LogWarning("Trace of exited process {Pid} ends mid-block ({Message}); keeping the events before it", target.ProcessId, e.Message);
        }
        var eventsLost = reader.EventsLost;
        if (live is not null)
        {
            foreach (var (site, (bytes, count)) in live.LiveBySite())
            {
                if (site >= siteOffset)
                {
                    // In-use values carry no endpoint: an object outlives the request that allocated it.
                    var (stack, type) = siteKeys[site - siteOffset];
                    CollectionsMarshal.GetValueRefOrAddDefault(stacks, (stack, type, NoEndpoint), out _).AddInuse(bytes, count);
                }
                else
                {
                    carried[carry!.Sites[site]] = (bytes, count);
                }
            }
        }
        logger.LogDebug("Read {Stacks} distinct stacks: {Memory}", stacks.Count, AgentResources.Describe());

        var endpoints = EndpointNames(stacks, attributor, options.Value.Attribution.MaxEndpointsPerWindow);
        var merged = new Dictionary<StackKey, SampleValues>();
        long frameCount = 0, resolvedCount = 0;
        foreach (var ((stack, type, endpoint), tally) in stacks)
        {
            var frames = reader.Resolve(stack);
            var resolvedFrames = frames.Count(FrameResolver.IsResolved);
            frameCount += (long)frames.Length * tally.Events;
            resolvedCount += (long)resolvedFrames * tally.Events;

            var key = new StackKey(frames, type, endpoint == NoEndpoint ? null : endpoints[endpoint]);
            merged[key] = merged.GetValueOrDefault(key) + tally.ToValues();
        }

        foreach (var (site, (bytes, count)) in carried)
        {
            var key = new StackKey(site.Frames, site.Type, null);
            merged[key] = merged.GetValueOrDefault(key) + SampleValues.Inuse((long)Math.Round(bytes), (long)Math.Round(count));
        }
        carry?.Keep(site =>
        {
            var (stack, type) = siteKeys[site - siteOffset];
            return new LiveSite(reader.Resolve(stack), type);
        });
        logger.LogDebug("Resolved {Merged} stacks: {Memory}", merged.Count, AgentResources.Describe());
        ReportMissingPdbs(lines.ModulesWithoutPdb);
        var samples = merged.Select(m => new StackSample(m.Key.Frames, m.Value, m.Key.AllocatedType, m.Key.Endpoint)).ToList();
        return new ProfileWindow(
            target.ProcessId, target.ServiceName, trace.StartUtc, trace.EndUtc, plan.Kinds, interval.Estimate(), samples,
            new WindowDiagnostics(
                target.RuntimeVersion?.ToString(), plan.AllocationSource, trace.TargetExited, eventsLost,
                frameCount, resolvedCount, lines.ModulesWithoutPdb.ToList(), trace.Bytes, TimeSpan.Zero)
            {
                LiveHeap = live?.Summary() is { } summary && carry is not null ? summary with { TrackingSinceUtc = carry.StartedUtc } : live?.Summary(),
            })
        {
            ProcessName = target.ProcessName,
            OriginalPaths = reader.OriginalPaths,
            Attribution = attributor?.Summary(),
        };
    }

    /// <summary>The label of each endpoint id, after the per-window cap (<see cref="EndpointLabels.Cap"/>, by sample count).</summary>
    private static Dictionary<int, string> EndpointNames(
        Dictionary<(int Stack, string? Type, int Endpoint), Tally> stacks, SampleAttributor? attributor, int max)
    {
        if (attributor is null)
        {
            return [];
        }
        var samplesById = new Dictionary<int, long>();
        foreach (var ((_, _, endpoint), tally) in stacks)
        {
            if (endpoint == NoEndpoint)
            {
                continue;
            }
            samplesById[endpoint] = samplesById.GetValueOrDefault(endpoint) + tally.Events;
        }
        var samplesByLabel = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (id, count) in samplesById)
        {
            var label = attributor.Label(id);
            samplesByLabel[label] = samplesByLabel.GetValueOrDefault(label) + count;
        }
        var capped = EndpointLabels.Cap(samplesByLabel, max);
        return samplesById.Keys.ToDictionary(id => id, id => capped[attributor.Label(id)]);
    }

    private static string TypeNameOrUnknown(string? typeName) => string.IsNullOrEmpty(typeName) ? "?" : typeName;

    private static ProfileWindow Empty(RecordedTrace trace, TargetProcess target, SessionPlan plan) =>
        new(target.ProcessId, target.ServiceName, trace.StartUtc, trace.EndUtc, plan.Kinds, null, [],
            new WindowDiagnostics(target.RuntimeVersion?.ToString(), plan.AllocationSource, trace.TargetExited, 0, 0, 0, [], trace.Bytes, TimeSpan.Zero))
        {
            ProcessName = target.ProcessName,
        };

    private void ReportMissingPdbs(IEnumerable<string> modules)
    {
        var fresh = modules.Where(m => _reportedMissingPdbs.TryAdd(m, true)).ToList();
        if (fresh.Count > 0)
        {
            logger.LogWarning("No PDB found for {Modules}: their frames have method names but no file:line", string.Join(", ", fresh));
        }
    }

    /// <summary>Per-stack sums while the trace is read; doubles because allocation estimates are fractional.</summary>
    private struct Tally
    {
        private double _cpu, _wall, _bytes, _count, _inuseBytes, _inuseCount;

        public long Events { get; private set; }

        public void Add(double cpu, double wall, double bytes, double count)
        {
            _cpu += cpu;
            _wall += wall;
            _bytes += bytes;
            _count += count;
            Events++;
        }

        /// <summary>What of this stack's sampled objects is still alive at the window's end (not an event of its own).</summary>
        public void AddInuse(double bytes, double count)
        {
            _inuseBytes += bytes;
            _inuseCount += count;
        }

        public readonly SampleValues ToValues() =>
            new((long)_cpu, (long)_wall, (long)Math.Round(_bytes), (long)Math.Round(_count), (long)Math.Round(_inuseBytes), (long)Math.Round(_inuseCount));
    }

    /// <summary>Frames (by value) plus allocated type: distinct code addresses on the same lines merge.</summary>
    private sealed class StackKey(Frame[] frames, string? allocatedType, string? endpoint) : IEquatable<StackKey>
    {
        private readonly int _hash = frames.Aggregate(HashCode.Combine(allocatedType, endpoint), (h, f) => HashCode.Combine(h, f));

        public Frame[] Frames { get; } = frames;
        public string? AllocatedType { get; } = allocatedType;
        public string? Endpoint { get; } = endpoint;

        public bool Equals(StackKey? other) =>
            other is not null && _hash == other._hash && AllocatedType == other.AllocatedType && Endpoint == other.Endpoint
            && Frames.AsSpan().SequenceEqual(other.Frames);

        public override bool Equals(object? obj) => Equals(obj as StackKey);

        public override int GetHashCode() => _hash;
    }
}
