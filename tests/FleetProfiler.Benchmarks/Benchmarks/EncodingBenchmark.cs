using System.Diagnostics;
using FleetProfiler.Benchmarks.Workload;
using FleetProfiler.Profiles;

namespace FleetProfiler.Benchmarks.Benchmarks;

/// <summary>
/// The profile store's encodings of the query benchmark's synthetic windows, offline (no silo): plain (the baseline),
/// self-contained compact (Brotli), and frame ids into the service's frame dictionary, with the dictionary's own size.
/// Sizes are exact (deterministic windows and codec); the encode/decode times are indicative only.
/// </summary>
public static class EncodingBenchmark
{
    public static string Run(int variantsCount)
    {
        var pool = new StackPool("checkout", seed: 42);
        var factory = new WindowFactory(pool);
        var rng = new Random(1);
        var trees = Enumerable.Range(0, variantsCount).Select(_ => WindowTrees.Of(factory.Build(rng))).ToList();
        var dictionary = new FrameDictionary();
        foreach (var t in trees)
        {
            var missing = CallTreeCodec.FramesUsed(t).Where(f => dictionary.IdOf(f) < 0).Distinct().ToList();
            dictionary.Append(dictionary.Count, missing);
        }
        // The store's ingest path before (recompress the gateway's plain bytes) and now (decode, then encode with ids),
        // same windows, three rounds each alternated, the median round reported.
        var plainBytes = trees.Select(t => CallTreeCodec.Serialize(t)).ToList();
        // "twice" is the store's first frame-dictionary path: a pass for the missing frames, then a lookup per frame
        // again while encoding; "now" looks every used frame up once (FrameDictionary.IdsOf).
        var before = new List<double>();
        var twice = new List<double>();
        var now = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            var t0 = Stopwatch.StartNew();
            foreach (var b in plainBytes) CallTreeCodec.Compact(b);
            before.Add(t0.Elapsed.TotalMilliseconds / trees.Count);
            var t1 = Stopwatch.StartNew();
            foreach (var b in plainBytes)
            {
                var tree = CallTreeCodec.Deserialize(b);
                if (CallTreeCodec.FramesUsed(tree).Any(f => dictionary.IdOf(f) < 0)) throw new InvalidOperationException("a frame is missing");
                CallTreeCodec.SerializeCompact(tree, dictionary.IdsOf(tree, out _));
            }
            twice.Add(t1.Elapsed.TotalMilliseconds / trees.Count);
            var t2 = Stopwatch.StartNew();
            foreach (var b in plainBytes)
            {
                var tree = CallTreeCodec.Deserialize(b);
                var frameIds = dictionary.IdsOf(tree, out var missing);
                if (missing > 0) throw new InvalidOperationException("a frame is missing");
                CallTreeCodec.SerializeCompact(tree, frameIds);
            }
            now.Add(t2.Elapsed.TotalMilliseconds / trees.Count);
        }
        before.Sort();
        twice.Sort();
        now.Sort();
        double plain = 0, compact = 0, ids = 0;
        var encode = Stopwatch.StartNew();
        var encoded = trees.Select(t => CallTreeCodec.SerializeCompact(t, dictionary.IdsOf(t, out _))).ToList();
        var encodeMs = encode.Elapsed.TotalMilliseconds / trees.Count;
        var decode = Stopwatch.StartNew();
        foreach (var e in encoded) CallTreeCodec.Deserialize(e, dictionary);
        var decodeMs = decode.Elapsed.TotalMilliseconds / trees.Count;
        for (var i = 0; i < trees.Count; i++)
        {
            plain += CallTreeCodec.Serialize(trees[i]).Length;
            compact += CallTreeCodec.SerializeCompact(trees[i]).Length;
            ids += encoded[i].Length;
            if (!CallTreeCodec.UsesDictionary(encoded[i])) throw new InvalidOperationException("a window fell back to the self-contained encoding");
        }
        long dictionaryBytes = 0;
        for (var id = 0; id < dictionary.Count; id++)
        {
            var f = dictionary[id];
            dictionaryBytes += System.Text.Encoding.UTF8.GetByteCount(f.Function) + (f.File is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(f.File)) + 8;
        }
        var n = trees.Count;
        return $"encoding: {n} synthetic windows of one service, per window: plain {plain / n / 1024:F1} KiB, self-contained compact {compact / n / 1024:F1} KiB, " +
            $"frame ids into the service's dictionary {ids / n / 1024:F1} KiB ({plain / ids:F1}x smaller than plain; encode {encodeMs:F1} ms, decode {decodeMs:F1} ms); " +
            $"dictionary {dictionary.Count:N0} frames, {dictionaryBytes / 1024.0:F0} KiB of strings (once per service); " +
            $"ingest CPU per window (median of 3 rounds): recompress self-contained {before[1]:F1} ms; decode + encode with ids, frames looked up twice {twice[1]:F1} ms ({twice[1] / before[1]:F2}x), once {now[1]:F1} ms ({now[1] / before[1]:F2}x; {now[1] / twice[1]:F2}x of twice)";
    }
}
