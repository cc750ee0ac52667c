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

    [Fact]
    public void Every_window_sent_expands_through_the_gateways_dictionary_into_a_distinct_pool_window_and_later_ones_are_small()
    {
        var pool = Pool(6);
        var agent = new InternedWindows(pool, Cap, seed: 3);
        var gateway = new StreamDictionary(Cap, BatchLimitDefaults.MaxStringLength, BatchLimitDefaults.MaxFramesPerStack);
        agent.Prebuild(4);
        var seen = new List<int>();
        for (var w = 0; w < pool.Count; w++)
        {
            var body = agent.Next();
            // The sender prepends the per-send header; protobuf merges header + body into one batch.
            var header = WindowFactory.Header((ulong)w + 1, "h00000", DateTimeOffset.UnixEpoch.AddSeconds(10 * w), TimeSpan.FromSeconds(10));
            var wire = Batch.Parser.ParseFrom([.. header, .. body.Bytes]);
            Assert.NotNull(wire.Interning);
            Assert.Null(gateway.Expand(wire, out var expanded));
            var index = pool.FindIndex(p => p.Batch.Samples.Equals(expanded!.Samples) && p.Batch.Stacks.Equals(expanded.Stacks) && p.Batch.Strings.Equals(expanded.Strings));
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
        Assert.Equal(pool.Count - 4, agent.EncodedWhenSent);
        Assert.Equal(gateway.Bytes, agent.DictionaryBytes);
    }

    [Fact]
    public void Agents_of_one_service_draw_their_windows_in_orders_of_their_own()
    {
        var pool = Pool(8);
        var a = new InternedWindows(pool, Cap, seed: 1);
        var b = new InternedWindows(pool, Cap, seed: 2);
        // The first window of a stream is self-contained in all but form: equal bodies mean the same pool window.
        var first = Enumerable.Range(0, 3).Select(_ => (a.Next().Bytes, b.Next().Bytes)).ToList();
        Assert.Contains(first, f => !f.Item1.AsSpan().SequenceEqual(f.Item2));
    }
}
