using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;

namespace FleetProfiler.Benchmarks.Workload;

/// <summary>
/// One simulated agent's windows with stream interning, as the real agent sends them (docs/protocol.md, "Stream
/// interning"): its own <see cref="StreamInterner"/> for its one stream, windows drawn from its service's pool of
/// windows in an order of its own (no window twice until the pool is used up), each encoded against the windows sent
/// before it on the stream. <see cref="Prebuild"/> encodes the first windows before the timed phase, so the load
/// generator's CPU goes to the silo; a window past them is encoded when it is sent (<see cref="EncodedWhenSent"/>).
/// Not thread-safe: one stream sends its windows one after another.
/// </summary>
public sealed class InternedWindows
{
    private readonly IReadOnlyList<(Batch Batch, WindowBody Window)> _pool;
    private readonly StreamInterner _interner;
    private readonly int[] _order;
    private readonly Queue<WindowBody> _prebuilt = new();
    private int _drawn;

    /// <param name="pool">Windows of one service in canonical order without a header (<see cref="WindowFactory.BuildBatch"/>).</param>
    public InternedWindows(IReadOnlyList<(Batch Batch, WindowBody Window)> pool, long maxDictionaryBytes, int seed)
    {
        if (pool.Count == 0) throw new ArgumentException("no windows to draw from", nameof(pool));
        _pool = pool;
        _interner = new StreamInterner(maxDictionaryBytes);
        _order = [.. Enumerable.Range(0, pool.Count)];
        new Random(seed).Shuffle(_order);
    }

    /// <summary>Windows encoded by <see cref="Next"/> because the prebuilt ones were used up.</summary>
    public int EncodedWhenSent { get; private set; }

    /// <summary>The agent's dictionary (what the gateway holds for this stream), in dictionary bytes.</summary>
    public long DictionaryBytes => _interner.DictionaryBytes;

    /// <summary>Encodes the next <paramref name="count"/> windows now; <see cref="Next"/> returns them first.</summary>
    public void Prebuild(int count)
    {
        for (var i = 0; i < count; i++) _prebuilt.Enqueue(Encode());
    }

    /// <summary>
    /// The next window's body as sent on the stream (interned; <see cref="WindowBody.SelfContainedBytes"/> is the size of
    /// the batch it stands for). The sender prepends the header (sequence, host, times), which interning leaves alone.
    /// </summary>
    public WindowBody Next()
    {
        if (_prebuilt.TryDequeue(out var window)) return window;
        EncodedWhenSent++;
        return Encode();
    }

    private WindowBody Encode()
    {
        var (batch, window) = _pool[_order[_drawn++ % _order.Length]];
        var wire = _interner.Encode(batch);
        if (wire.Interning is null) throw new InvalidOperationException($"{window.Service}: a window was not interned (not in canonical order?)");
        return window with { Bytes = wire.ToByteArray(), SelfContainedBytes = batch.CalculateSize() };
    }
}
