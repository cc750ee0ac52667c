using System.Diagnostics;
using FleetProfiler.Benchmarks.Workload;
using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Benchmarks.Benchmarks;

/// <summary>
/// Stream interning on the ingest benchmark's synthetic windows (no silo): per service, one agent stream sends
/// <c>windows</c> fresh windows of that service (each drawn anew from its 3,000-stack pool, as a host's successive
/// windows are) through the agent's <see cref="StreamInterner"/> and the gateway's <see cref="StreamDictionary"/>. Prints
/// the first window's and the later windows' bytes on the wire against the self-contained batch of the same window
/// (today's wire size, measured in the same run), and checks that every expansion equals the self-contained batch.
/// </summary>
public static class InterningBenchmark
{
    public static string Run(int services, int windows, long cap)
    {
        var perService = new List<(double First, double Later, double LaterBytesShare, long FirstFull, long FirstWire, double LaterFull, double LaterWire, long Dictionary, int Restarts)>();
        var encodeUs = new List<double>();
        var expandUs = new List<double>();
        for (var i = 0; i < services; i++)
        {
            var name = $"svc{i:D2}";
            var factory = new WindowFactory(new StackPool(name, seed: 1000 + i));
            var rng = new Random(i);
            var agent = new StreamInterner(cap);
            var gateway = new StreamDictionary(cap, BatchLimitDefaults.MaxStringLength, BatchLimitDefaults.MaxFramesPerStack);
            var sizes = new List<(long Full, long Wire)>();
            var restarts = 0;
            for (var w = 0; w < windows; w++)
            {
                var body = factory.Build(rng);
                var header = WindowFactory.Header((ulong)w + 1, "host-0001", DateTimeOffset.UnixEpoch.AddSeconds(10 * w), TimeSpan.FromSeconds(10));
                var batch = Batch.Parser.ParseFrom([.. header, .. body.Bytes]);
                var sw = Stopwatch.StartNew();
                var wire = agent.Encode(batch);
                encodeUs.Add(sw.Elapsed.TotalMicroseconds);
                if (wire.Interning is null) throw new InvalidOperationException($"{name} window {w} was not interned (not in canonical order?)");
                if (w > 0 && wire.Interning.Equals(new Interning())) restarts++;
                sw.Restart();
                if (gateway.Expand(wire, out var expanded) is { } error) throw new InvalidOperationException($"{name} window {w}: {error}");
                expandUs.Add(sw.Elapsed.TotalMicroseconds);
                if (!batch.Equals(expanded)) throw new InvalidOperationException($"{name} window {w}: the expansion differs from the self-contained batch");
                sizes.Add((batch.CalculateSize(), wire.CalculateSize()));
            }
            var later = sizes.Skip(1).ToList();
            perService.Add((sizes[0].Wire / (double)sizes[0].Full, Median(later.Select(s => s.Wire / (double)s.Full)),
                later.Sum(s => s.Wire) / (double)later.Sum(s => s.Full), sizes[0].Full, sizes[0].Wire,
                Median(later.Select(s => (double)s.Full)), Median(later.Select(s => (double)s.Wire)), agent.DictionaryBytes, restarts));
            Log.Info($"{name}: first window {sizes[0].Full / 1024.0:F1} KiB self-contained, {sizes[0].Wire / 1024.0:F1} KiB interned; " +
                $"windows 2–{windows}: median {perService[^1].LaterWire / 1024.0:F1} KiB interned of {perService[^1].LaterFull / 1024.0:F1} KiB " +
                $"({100 * perService[^1].Later:F1} %; all bytes {100 * perService[^1].LaterBytesShare:F1} %; last {100.0 * later[^1].Wire / later[^1].Full:F1} %); dictionary {agent.DictionaryBytes / 1048576.0:F2} MiB " +
                $"({agent.Strings} strings, {agent.Stacks} stacks), {restarts} restarts");
        }
        var ratios = perService.Select(p => p.Later).Order().ToList();
        return $"interning: {services} services × {windows} windows, cap {cap / 1048576.0:0.##} MiB; first window {Median(perService.Select(p => (double)p.FirstFull)) / 1024:F0} KiB → " +
            $"{Median(perService.Select(p => (double)p.FirstWire)) / 1024:F0} KiB ({100 * Median(perService.Select(p => p.First)):F1} %); " +
            $"later windows {Median(perService.Select(p => p.LaterWire)) / 1024:F1} KiB of {Median(perService.Select(p => p.LaterFull)) / 1024:F0} KiB = " +
            $"{100 * Median(ratios):F1} % of self-contained (per-service medians {100 * ratios[0]:F1}–{100 * ratios[^1]:F1} %; all bytes of windows 2–{windows} incl. restarts " +
            $"{100 * Median(perService.Select(p => p.LaterBytesShare)):F1} %); " +
            $"dictionary {Median(perService.Select(p => (double)p.Dictionary)) / 1048576:F2} MiB per stream after {windows} windows, " +
            $"{perService.Sum(p => p.Restarts)} restarts; encode p50 {Median(encodeUs) / 1000:F2} ms, expand p50 {Median(expandUs) / 1000:F2} ms per window";
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
