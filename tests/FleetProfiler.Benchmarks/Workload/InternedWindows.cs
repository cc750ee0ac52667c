using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;

namespace FleetProfiler.Benchmarks.Workload;

/// <summary>
/// What a simulated agent sends on its stream with stream interning, as the real agent does (docs/protocol.md, "Stream
/// interning"): windows drawn from its service's pool in an order of their own (no window twice until the pool is used
/// up), each encoded by one <see cref="StreamInterner"/> against the windows before it. Encoded before the timed phase
/// (<see cref="Encode"/>), so the load generator's CPU goes to the silo; <see cref="Stream"/> sends them in order.
/// </summary>
public sealed class InternedWindows
{
    private InternedWindows(IReadOnlyList<WindowBody> windows, long dictionaryBytes)
    {
        Windows = windows;
        DictionaryBytes = dictionaryBytes;
    }

    /// <summary>The bodies in the order sent; the first starts the stream's dictionary (all bases 0).</summary>
    public IReadOnlyList<WindowBody> Windows { get; }

    /// <summary>The dictionary after the last window (what the gateway holds for the stream), in dictionary bytes.</summary>
    public long DictionaryBytes { get; }

    /// <summary>
    /// Encodes <paramref name="count"/> windows of <paramref name="pool"/> (batches in canonical order without a header,
    /// <see cref="WindowFactory.BuildBatch"/>) in the order <paramref name="seed"/> draws. Each body's
    /// <see cref="WindowBody.SelfContainedBytes"/> is the size of the batch it stands for; the sender prepends the header
    /// (sequence, host, times), which interning leaves alone.
    /// </summary>
    public static InternedWindows Encode(IReadOnlyList<(Batch Batch, WindowBody Window)> pool, long maxDictionaryBytes, int seed, int count)
    {
        if (pool.Count == 0) throw new ArgumentException("no windows to draw from", nameof(pool));
        var order = Enumerable.Range(0, pool.Count).ToArray();
        new Random(seed).Shuffle(order);
        var interner = new StreamInterner(maxDictionaryBytes);
        var windows = new List<WindowBody>(count);
        for (var i = 0; i < count; i++)
        {
            var (batch, window) = pool[order[i % order.Length]];
            var wire = interner.Encode(batch);
            if (wire.Interning is null) throw new InvalidOperationException($"{window.Service}: a window was not interned (not in canonical order?)");
            windows.Add(window with { Bytes = wire.ToByteArray(), SelfContainedBytes = batch.CalculateSize() });
        }
        return new InternedWindows(windows, interner.DictionaryBytes);
    }

    /// <summary>
    /// One stream's sender: the windows in order, then again from the first. The first window's bases are all 0, so a
    /// replay starts a new dictionary on the stream (as the agent's cap does): any number of windows stays valid.
    /// </summary>
    public Func<WindowBody> Stream()
    {
        var next = 0;
        return () => Windows[next++ % Windows.Count];
    }
}
