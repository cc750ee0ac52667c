using System.Buffers;
using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Profiles;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// Translates an interned profile window straight from its stream's dictionary into the window's call tree, without
/// building the self-contained batch it stands for. Expanding (a few thousand protobuf objects per window), validating
/// that copy and translating it cost most of the silo's CPU per window under real-time ingest (docs/benchmarks.md,
/// "Ingest"); here stream ids map to the window's entries through pooled arrays.
/// </summary>
/// <remarks>
/// The result equals what <see cref="PreparedBatch.Prepare"/> gives for the expanded batch: the same call tree (frames
/// met in the same order, so the same encoded bytes), source paths and totals. It is only given for a batch this path
/// can prove acceptable; anything else — a coverage run, route minutes, a heap snapshot, or a batch that might pass a
/// limit or fail a rule — gets null and goes the reference way (<see cref="StreamDictionary.ExpandAdmitted"/>, then
/// <see cref="PreparedBatch.Prepare"/>), so every rejection keeps its message. One per stream (it sizes each window's
/// tree from the stream's last one); not thread-safe.
/// </remarks>
public sealed class InternedWindowTranslator
{
    /// <summary>Nodes a translated window is sized for at most before it grows (as <see cref="BatchTranslator"/>).</summary>
    private const int MaxPresizedNodes = 1 << 16;

    // The last window's node count: a host's windows are alike, so the next tree is sized from it instead of from
    // the sum of its stacks' lengths (~3x the nodes on the benchmark workload, ~1 MB of arrays per window).
    private int _lastNodes;

    // The store's memory of this stream's frames (by stream location id), for the dictionary generation it was made in.
    private KnownFrameIds _known = new();
    private int _knownGeneration = -1;

    /// <summary>
    /// The prepared window of <paramref name="wire"/>, a batch <paramref name="dictionary"/> admitted last
    /// (<see cref="StreamDictionary.Admit"/>), or null when it must go the reference way.
    /// </summary>
    public PreparedBatch? TryPrepare(Batch wire, StreamDictionary dictionary, BatchLimits limits, DateTimeOffset now, string sender)
    {
        if (wire.Interning is null || wire.Coverage is not null || wire.HeapSnapshot is not null || wire.RouteMinutes.Count > 0) return null;
        if (wire.Samples.Count > limits.MaxSamples || BatchValidator.ValidateHeader(wire, limits, now) is not null || BatchValidator.ValidateWindowFields(wire) is not null) return null;
        if (wire.Attribution is { } attribution && BatchValidator.ValidateAttribution(attribution, limits) is not null) return null;
        var walk = new Walk(dictionary, limits);
        try
        {
            if (!walk.Run(wire)) return null;
            var tree = walk.Translate(wire, _lastNodes, out var keys);
            if (tree.NodeCount > limits.MaxWindowNodes) return null;
            _lastNodes = tree.NodeCount;
            if (dictionary.Generation != _knownGeneration)
            {
                // A new dictionary: its location ids name other frames.
                _known = new KnownFrameIds();
                _knownGeneration = dictionary.Generation;
            }
            return PreparedBatch.OfWindow(wire, tree, walk.SourcePaths(), sender, new FrameIdHint(_known, keys));
        }
        finally
        {
            walk.Return();
        }
    }

    /// <summary>
    /// One window's entries in canonical order (<see cref="CanonicalTables"/>: the order the expansion would give them)
    /// and the check of every rule <see cref="BatchValidator"/> applies to the expanded batch.
    /// </summary>
    private sealed class Walk(StreamDictionary d, BatchLimits limits)
    {
        // Per stream id: 0 = not in this window yet; for locations, 1 + its index in _locationOrder. Rented, so a
        // stream costs no memory between its windows (the shared pool bounds what it keeps).
        private readonly int[] _strings = Rent(d.Strings), _functions = Rent(d.Functions), _locations = Rent(d.Locations), _stacks = Rent(d.Stacks);
        private readonly uint[] _locationOrder = ArrayPool<uint>.Shared.Rent(Math.Max(d.Locations, 1));
        private readonly uint[] _functionOrder = ArrayPool<uint>.Shared.Rent(Math.Max(d.Functions, 1));
        private int _stringCount, _functionCount, _locationCount, _stackCount;
        private long _bytes, _nodes;

        private static int[] Rent(int n)
        {
            var a = ArrayPool<int>.Shared.Rent(Math.Max(n, 1));
            Array.Clear(a, 0, n);
            return a;
        }

        public void Return()
        {
            ArrayPool<int>.Shared.Return(_strings);
            ArrayPool<int>.Shared.Return(_functions);
            ArrayPool<int>.Shared.Return(_locations);
            ArrayPool<int>.Shared.Return(_stacks);
            ArrayPool<uint>.Shared.Return(_locationOrder);
            ArrayPool<uint>.Shared.Return(_functionOrder);
        }

        /// <summary>Visits every sample; false when the expanded batch might break a rule of <see cref="BatchValidator"/>.</summary>
        public bool Run(Batch wire)
        {
            // An upper bound of the expanded batch's size: the wire batch, plus every entry it reaches at the most bytes
            // its encoding can take (ids as 5-byte varints, 3 UTF-8 bytes per UTF-16 char), plus the remapped ids.
            _bytes = wire.CalculateSize();
            _nodes = 1;
            if (!String(0)) return false;
            var sums = new BatchValidator.ValueSums(limits.MaxValueSum);
            HashSet<uint>? endpoints = null;
            foreach (var s in wire.Samples)
            {
                if (s.Stack >= (uint)d.Stacks || !Stack(s.Stack)) return false;
                if (s.CpuSamples < 0 || s.WallSamples < 0 || s.AllocBytes < 0 || s.AllocCount < 0 || s.InuseBytes < 0 || s.InuseCount < 0) return false;
                if (sums.Add(s) is not null) return false;
                if ((s.InuseBytes != 0 || s.InuseCount != 0) && s.AllocatedType == 0) return false;
                if ((s.InuseBytes == 0) != (s.InuseCount == 0)) return false;
                if (s.AllocatedType >= (uint)d.Strings || !String(s.AllocatedType)) return false;
                if (s.Labels.Count > BatchValidator.MaxLabelsPerSample) return false;
                var endpointLabels = 0;
                foreach (var l in s.Labels)
                {
                    if (l.Key == 0 || l.Key >= (uint)d.Strings || l.Value >= (uint)d.Strings || !String(l.Key) || !String(l.Value)) return false;
                    if (d.StringAt(l.Key) != EndpointNames.LabelKey) continue;
                    if (++endpointLabels > 1 || EndpointNames.Check(d.StringAt(l.Value)) is not null) return false;
                    if ((endpoints ??= []).Add(l.Value) && endpoints.Count > BatchValidator.MaxEndpointsPerBatch) return false;
                }
                _bytes += 16 + 16L * s.Labels.Count;
            }
            return _stringCount <= limits.MaxStrings && _stackCount <= limits.MaxStacks && _bytes <= limits.MaxBatchBytes;
        }

        private bool String(uint id)
        {
            if (_strings[id] != 0) return true;
            _strings[id] = 1;
            _stringCount++;
            var length = d.StringAt(id).Length;
            _bytes += 6 + 3L * length;
            return length <= limits.MaxStringLength;
        }

        private bool Stack(uint id)
        {
            var frames = d.StackAt(id);
            _nodes += frames.Length + 2;
            if (_stacks[id] != 0) return true;
            _stacks[id] = 1;
            _stackCount++;
            _bytes += 12 + 5L * frames.Length;
            if (frames.Length > limits.MaxFramesPerStack) return false;
            foreach (var location in frames)
                if (location >= (uint)d.Locations || !Location(location)) return false;
            return true;
        }

        private bool Location(uint id)
        {
            if (_locations[id] != 0) return true;
            var (function, line) = d.LocationAt(id);
            if (line > int.MaxValue || function >= (uint)d.Functions || !Function(function)) return false;
            _locationOrder[_locationCount++] = id;
            _locations[id] = _locationCount;
            _bytes += 18;
            return true;
        }

        private bool Function(uint id)
        {
            if (_functions[id] != 0) return true;
            _functions[id] = 1;
            _functionOrder[_functionCount++] = id;
            _bytes += 24;
            var (name, file, original) = d.FunctionAt(id);
            return name != 0 && name < (uint)d.Strings && file < (uint)d.Strings && original < (uint)d.Strings && String(name) && String(file) && String(original);
        }

        /// <summary>The window's call tree, built as <see cref="BatchTranslator.ToTree"/> builds the expanded batch's.</summary>
        public CallTree Translate(Batch wire, int lastNodes, out int[] keys)
        {
            var presized = (int)Math.Min(_nodes, MaxPresizedNodes);
            if (lastNodes > 0) presized = Math.Min(presized, lastNodes + lastNodes / 4 + 64);
            var tree = new CallTree(new FrameTable(_locationCount + 8, _stringCount + 8), presized);
            var frames = tree.Frames;
            var locationFrames = ArrayPool<int>.Shared.Rent(Math.Max(_locationCount, 1));
            try
            {
                for (var i = 0; i < _locationCount; i++)
                {
                    var (function, line) = d.LocationAt(_locationOrder[i]);
                    var (name, file, _) = d.FunctionAt(function);
                    locationFrames[i] = frames.Intern(d.StringAt(name), file == 0 ? null : d.StringAt(file), (int)line);
                }
                var typeFrames = new Dictionary<uint, int>();
                var endpointFrames = new Dictionary<uint, int>();
                var path = new int[64];
                foreach (var sample in wire.Samples)
                {
                    var stack = d.StackAt(sample.Stack);
                    var endpoint = EndpointFrame(sample, frames, endpointFrames);
                    var offset = endpoint < 0 ? 0 : 1;
                    var length = offset + stack.Length + (sample.AllocatedType == 0 ? 0 : 1);
                    if (path.Length < length) path = new int[Math.Max(length, path.Length * 2)];
                    if (endpoint >= 0) path[0] = endpoint;
                    for (var i = 0; i < stack.Length; i++) path[offset + i] = locationFrames[_locations[stack[i]] - 1];
                    if (sample.AllocatedType != 0)
                    {
                        if (!typeFrames.TryGetValue(sample.AllocatedType, out var typeFrame))
                            typeFrames[sample.AllocatedType] = typeFrame = frames.Intern(Frame.AllocatedType(d.StringAt(sample.AllocatedType)));
                        path[offset + stack.Length] = typeFrame;
                    }
                    tree.Add(path.AsSpan(0, length), new SampleValues(sample.CpuSamples, sample.WallSamples, sample.AllocBytes, sample.AllocCount, sample.InuseBytes, sample.InuseCount));
                }
                // Each location's frame keyed by its stream id (the same frame in every window of this dictionary).
                keys = new int[frames.Count];
                Array.Fill(keys, -1);
                for (var i = 0; i < _locationCount; i++) keys[locationFrames[i]] = (int)_locationOrder[i];
                return tree;
            }
            finally
            {
                ArrayPool<int>.Shared.Return(locationFrames);
            }
        }

        private int EndpointFrame(Sample sample, FrameTable frames, Dictionary<uint, int> endpointFrames)
        {
            foreach (var label in sample.Labels)
            {
                if (d.StringAt(label.Key) != EndpointNames.LabelKey) continue;
                if (!endpointFrames.TryGetValue(label.Value, out var frame))
                    endpointFrames[label.Value] = frame = frames.Intern(Frame.Endpoint(d.StringAt(label.Value)));
                return frame;
            }
            return -1;
        }

        /// <summary>The window's source paths, as <see cref="BatchTranslator.SourcePaths"/> gives the expanded batch's.</summary>
        public IReadOnlyList<SourcePath>? SourcePaths()
        {
            HashSet<SourcePath>? pairs = null;
            for (var i = 0; i < _functionCount; i++)
            {
                var (_, file, original) = d.FunctionAt(_functionOrder[i]);
                if (file == 0 || original == 0 || file == original) continue;
                var path = d.StringAt(file);
                var originalPath = d.StringAt(original);
                if (path == originalPath) continue;
                (pairs ??= []).Add(new SourcePath(path, originalPath));
            }
            return pairs is null ? null : [.. pairs];
        }
    }
}
