using FleetProfiler.Benchmarks.Workload;
using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;

namespace FleetProfiler.Tests.Ingest;

/// <summary>
/// The ingest benchmark's simulated agents intern their streams like the real agent (docs/benchmarks.md, "Ingest"):
/// what they send must be what the gateway's <see cref="StreamDictionary"/> accepts and expands back into the
/// self-contained windows they stand for, or the benchmark would measure rejections instead of ingest.
/// </summary>
public sealed class BenchmarkInternedWindowsTests
{
    private const long Cap = BatchLimitDefaults.MaxDictionaryBytes;

    private static List<(Batch Batch, WindowBody Window)> Pool(int windows)
    {
        var factory = new WindowFactory(new StackPool("svc00", seed: 1000));
        var rng = new Random(1);
        return [.. Enumerable.Range(0, windows).Select(_ => factory.BuildBatch(rng))];
    }

    private static StreamDictionary Gateway() => new(Cap, BatchLimitDefaults.MaxStringLength, BatchLimitDefaults.MaxFramesPerStack);

    /// <summary>Sends <paramref name="body"/> as the benchmark does (header + body) and returns the gateway's expansion.</summary>
    private static (Batch Expanded, byte[] Header) Send(StreamDictionary gateway, WindowBody body, int w)
    {
        // The sender prepends the per-send header; protobuf merges header + body into one batch.
        var header = WindowFactory.Header((ulong)w + 1, "h00000", DateTimeOffset.UnixEpoch.AddSeconds(10 * w), TimeSpan.FromSeconds(10));
        var wire = Batch.Parser.ParseFrom([.. header, .. body.Bytes]);
        Assert.NotNull(wire.Interning);
        Assert.Null(gateway.Expand(wire, out var expanded));
        return (expanded!, header);
    }

    [Fact]
    public void Every_window_sent_expands_through_the_gateways_dictionary_into_a_distinct_pool_window_and_later_ones_are_small()
    {
        var pool = Pool(6);
        var windows = InternedWindows.Encode(pool, Cap, seed: 3, count: pool.Count);
        var gateway = Gateway();
        var send = windows.Stream();
        var seen = new List<int>();
        for (var w = 0; w < pool.Count; w++)
        {
            var body = send();
            var (expanded, header) = Send(gateway, body, w);
            var index = pool.FindIndex(p => p.Batch.Samples.Equals(expanded.Samples) && p.Batch.Stacks.Equals(expanded.Stacks) && p.Batch.Strings.Equals(expanded.Strings));
            Assert.True(index >= 0, $"window {w} expanded into none of the pool's windows");
            var selfContained = pool[index].Batch.Clone();
            selfContained.MergeFrom(header);
            Assert.Equal(selfContained, expanded);
            Assert.Equal(pool[index].Batch.CalculateSize(), body.SelfContainedBytes);
            Assert.Equal(pool[index].Window.ThreadSamples, body.ThreadSamples);
            if (w == 0) Assert.True(body.Bytes.Length >= body.SelfContainedBytes * 9 / 10, $"first window {body.Bytes.Length} of {body.SelfContainedBytes} bytes");
            else Assert.True(body.Bytes.Length < body.SelfContainedBytes / 5, $"window {w}: {body.Bytes.Length} of {body.SelfContainedBytes} bytes");
            seen.Add(index);
        }
        Assert.Equal(pool.Count, seen.Distinct().Count());
        Assert.Equal(gateway.Bytes, windows.DictionaryBytes);
    }

    [Fact]
    public void A_stream_that_sends_more_windows_than_were_encoded_replays_them_on_a_new_dictionary()
    {
        var pool = Pool(3);
        var windows = InternedWindows.Encode(pool, Cap, seed: 5, count: 2);
        var gateway = Gateway();
        var send = windows.Stream();
        var expansions = Enumerable.Range(0, 6).Select(w => Send(gateway, send(), w).Expanded).ToList();
        // Windows 3 and 5 are window 1 again (its bases 0 start a new dictionary at the gateway), 4 and 6 are window 2.
        Assert.Equal(expansions[0].Stacks, expansions[2].Stacks);
        Assert.Equal(expansions[0].Stacks, expansions[4].Stacks);
        Assert.Equal(expansions[1].Stacks, expansions[3].Stacks);
        Assert.Equal(expansions[1].Stacks, expansions[5].Stacks);
        Assert.NotEqual(expansions[0].Stacks, expansions[1].Stacks);
        Assert.Equal(windows.DictionaryBytes, gateway.Bytes);
    }

    [Fact]
    public void Sequences_of_one_service_draw_their_windows_in_orders_of_their_own()
    {
        var pool = Pool(8);
        var a = InternedWindows.Encode(pool, Cap, seed: 1, count: 3);
        var b = InternedWindows.Encode(pool, Cap, seed: 2, count: 3);
        Assert.Contains(a.Windows.Zip(b.Windows), pair => !pair.First.Bytes.AsSpan().SequenceEqual(pair.Second.Bytes));
    }
}
