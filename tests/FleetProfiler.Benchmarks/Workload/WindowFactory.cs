using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Benchmarks.Workload;

/// <summary>
/// The part of a wire <see cref="Batch"/> that does not depend on the agent or the time: service, process, kinds and the
/// interned tables with the samples. Serialized once; each send prepends a small header (sequence, host, window
/// times): protobuf merges concatenated messages, so header + body parse as one Batch.
/// </summary>
public sealed record WindowBody(string Service, byte[] Bytes, int DistinctStacks, long ThreadSamples, long CpuSamples, int Strings)
{
    /// <summary>
    /// The size of the self-contained body this one stands for: <c>Bytes.Length</c>, or for a stream-interned body
    /// (<c>InternedWindows</c>) the size of the batch the gateway expands it into.
    /// </summary>
    public int SelfContainedBytes { get; init; } = Bytes.Length;
}

/// <summary>
/// Builds realistic windows from a <see cref="StackPool"/>: ~2000 thread samples (a 10 s window, ~10 ms effective
/// sampling, ~20 threads, as the agent aggregates them: one sample row per distinct stack with counts) drawn Zipf-like
/// from the pool, so a window holds a few hundred distinct stacks, interned exactly as the agent's BatchBuilder does.
/// </summary>
public sealed class WindowFactory
{
    private readonly StackPool _pool;
    private readonly double[] _cdf;

    public WindowFactory(StackPool pool, double zipfExponent = 1.3)
    {
        _pool = pool;
        _cdf = new double[pool.Stacks.Count];
        double sum = 0;
        for (var i = 0; i < _cdf.Length; i++) _cdf[i] = sum += 1.0 / Math.Pow(i + 1, zipfExponent);
        for (var i = 0; i < _cdf.Length; i++) _cdf[i] /= sum;
    }

    public WindowBody Build(Random rng, int threadSamples = 2000)
    {
        var (b, window) = BuildBatch(rng, threadSamples);
        var bytes = b.ToByteArray();
        return window with { Bytes = bytes, SelfContainedBytes = bytes.Length };
    }

    /// <summary>
    /// A window as the agent's <c>BatchBuilder</c> builds it (canonical order, no header: no sequence, host or times)
    /// and its <see cref="WindowBody"/> without bytes (<c>Bytes</c> empty).
    /// </summary>
    public (Batch Batch, WindowBody Window) BuildBatch(Random rng, int threadSamples = 2000)
    {
        var counts = new Dictionary<int, (long Wall, long Cpu)>();
        for (var i = 0; i < threadSamples; i++)
        {
            var k = Array.BinarySearch(_cdf, rng.NextDouble());
            if (k < 0) k = Math.Min(~k, _cdf.Length - 1);
            var c = counts.GetValueOrDefault(k);
            counts[k] = (c.Wall + 1, c.Cpu + (rng.NextDouble() < _pool.RunningShare[k] ? 1 : 0));
        }

        var b = new Batch { Service = _pool.Service, Pid = 4242, ProcessName = "dotnet", SamplingIntervalMs = 10.2, RuntimeVersion = "10.0.12" };
        b.Kinds.Add("cpu");
        b.Kinds.Add("wall");
        var strings = new Dictionary<string, uint>(StringComparer.Ordinal) { [""] = 0 };
        b.Strings.Add("");
        var functions = new Dictionary<int, uint>();
        var locations = new Dictionary<(int, int), uint>();
        uint Str(string? s)
        {
            if (string.IsNullOrEmpty(s)) return 0;
            if (!strings.TryGetValue(s, out var i)) { strings[s] = i = (uint)b.Strings.Count; b.Strings.Add(s); }
            return i;
        }
        uint Location(PoolFrame f)
        {
            if (locations.TryGetValue((f.Function, f.Line), out var l)) return l;
            if (!functions.TryGetValue(f.Function, out var fn))
            {
                var pf = _pool.Functions[f.Function];
                functions[f.Function] = fn = (uint)b.Functions.Count;
                b.Functions.Add(new Function { Name = Str(pf.Name), File = Str(pf.File) });
            }
            locations[(f.Function, f.Line)] = l = (uint)b.Locations.Count;
            b.Locations.Add(new Location { Function = fn, Line = (uint)f.Line });
            return l;
        }
        long cpu = 0;
        foreach (var (k, (wall, c)) in counts.OrderBy(kv => kv.Key))
        {
            var stack = new Stack();
            foreach (var frame in _pool.Stacks[k]) stack.Locations.Add(Location(frame));
            b.Samples.Add(new Sample { Stack = (uint)b.Stacks.Count, WallSamples = wall, CpuSamples = c });
            b.Stacks.Add(stack);
            cpu += c;
        }
        return (b, new WindowBody(_pool.Service, [], counts.Count, threadSamples, cpu, b.Strings.Count));
    }

    /// <summary>The per-send part of a batch: sequence, host and window times.</summary>
    public static byte[] Header(ulong sequence, string host, DateTimeOffset start, TimeSpan length) => new Batch
    {
        Sequence = sequence,
        Host = host,
        WindowStart = Timestamp.FromDateTimeOffset(start),
        WindowEnd = Timestamp.FromDateTimeOffset(start + length),
    }.ToByteArray();
}
