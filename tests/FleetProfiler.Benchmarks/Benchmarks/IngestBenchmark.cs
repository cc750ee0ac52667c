using System.Diagnostics;
using FleetProfiler.Benchmarks.Infrastructure;
using FleetProfiler.Benchmarks.Workload;
using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;

namespace FleetProfiler.Benchmarks.Benchmarks;

public sealed record IngestSettings(int Agents, int Seconds, int Warmup, int Inflight, int Services, int Variants, bool Realtime,
    int AgentsPerConnection, bool Interning, int Prebuilt, int Pool, int Sequences, long DictionaryCap, string? SiloDll, IReadOnlyDictionary<string, string> SiloSettings)
{
    public static IngestSettings Read(CommandLineOptions o) => new(
        Agents: o.Int("agents", 2000),
        Seconds: o.Int("seconds", 60),
        Warmup: o.Int("warmup", 15),
        Inflight: o.Int("inflight", 1),
        Services: o.Int("services", 10),
        Variants: o.Int("variants", 16),
        Realtime: o.Flag("realtime"),
        AgentsPerConnection: o.Int("agents-per-connection", 1),
        Interning: !o.Flag("self-contained"),
        Prebuilt: o.Int("prebuilt", 0),
        Pool: o.Int("pool", 32, min: 1),
        Sequences: o.Int("sequences", 16, min: 0),
        DictionaryCap: o.Int("cap-kib", (int)(BatchLimitDefaults.MaxDictionaryBytes / 1024), min: 1) * 1024L,
        SiloDll: o.String("silo-dll"),
        SiloSettings: SiloArgs.Parse(o.String("silo-args")));
}

public sealed record IngestResult(double BatchesPerSecond, double SamplesPerSecond, double MiBPerSecond, long Acked, long Rejected, long StreamErrors,
    double LatencyP50, double LatencyP95, double LatencyP99, double RssMiB, double HwmMiB, double IdleRssMiB, double SiloCpuShare, double BenchCpuShare,
    bool Realtime, int Agents, double OfferedPerSecond, bool Interning, double SelfContainedMiBPerSecond, double GeneratorRssMiB);

/// <summary>
/// Ingest: simulated agents on the real gRPC stream into a single-node silo process. Default (compressed time): every
/// agent sends its next window as soon as the previous one is acked (closed loop, --inflight outstanding per stream),
/// and sustained hosts = acked batches/s × 10 (each real host sends one 10 s window per 10 s). --realtime: each agent
/// sends one window every 10 s, phase-shifted; reports whether the acks keep up. By default every agent interns its
/// stream like the real agent (<see cref="InternedWindows"/>: windows drawn from a pool of fresh windows in an order of
/// their own, encoded by a stream encoder before the timed phase); --self-contained sends the prebuilt self-contained
/// bodies instead.
/// </summary>
public static class IngestBenchmark
{
    public const int WindowSeconds = 10;

    public static async Task<IngestResult> RunAsync(IngestSettings s)
    {
        var (bodies, summary) = BuildWorkload(s.Services, s.Interning ? s.Pool : s.Variants, keepBatches: s.Interning);
        Log.Result($"workload: {s.Services} services × {summary}");
        var credentials = Fleet.Credentials(s.Agents);
        var interned = s.Interning ? Prebuild(s, bodies) : null;
        await using var silo = await SiloHost.StartAsync(credentials, s.SiloSettings, s.SiloDll);
        try
        {
            await Task.Delay(2000);
            var (idleRss, _) = silo.Memory();
            Log.Info($"silo idle RSS {idleRss:F0} MiB");
            await using var fleet = await Fleet.ConnectAsync(silo.GrpcAddress, credentials, i => $"svc{i % s.Services:D2}", s.AgentsPerConnection);
            var maxBytes = fleet.Agents[0].Limits?.MaxBatchBytes ?? int.MaxValue;
            if (bodies.Values.SelectMany(v => v).Any(b => b.Window.SelfContainedBytes > maxBytes)) throw new InvalidOperationException($"a window is over max_batch_bytes {maxBytes}");
            if (s.Interning && fleet.Agents[0].Limits?.MaxDictionaryBytes != s.DictionaryCap)
                throw new InvalidOperationException($"the gateway announces max_dictionary_bytes {fleet.Agents[0].Limits?.MaxDictionaryBytes}, the windows were interned for {s.DictionaryCap} (--cap-kib)");

            var counters = new IngestCounters();
            using var stop = new CancellationTokenSource();
            var seed = 0;
            Func<Outgoing?> NextFor(AgentSim agent, Func<WindowBody>? windows)
            {
                var rng = new Random(Interlocked.Increment(ref seed));
                var variants = bodies[agent.Service];
                ulong sequence = 0;
                return () => new Outgoing(++sequence, WindowFactory.Header(sequence, agent.Credential.Host, DateTimeOffset.UtcNow.AddSeconds(-WindowSeconds), TimeSpan.FromSeconds(WindowSeconds)),
                    windows?.Invoke() ?? variants[rng.Next(variants.Count)].Window);
            }
            var phases = new Random(7);
            var runs = fleet.Agents.Select((a, i) =>
            {
                var next = NextFor(a, interned?[i].Stream());
                return s.Realtime
                    ? Task.Run(() => a.RunPacedAsync(() => next()!.Value, TimeSpan.FromMilliseconds(phases.Next(WindowSeconds * 1000)), TimeSpan.FromSeconds(WindowSeconds), counters, stop.Token))
                    : Task.Run(() => a.RunClosedLoopAsync(next, s.Inflight, counters, stop.Token));
            }).ToList();
            Log.Info($"load average before the run: {LoadAverage()}");
            Log.Info(s.Realtime
                ? $"real time: {s.Agents} agents × one window per {WindowSeconds} s (offered {s.Agents / (double)WindowSeconds:F0} batches/s); warm-up {s.Warmup} s, measure {s.Seconds} s"
                : $"closed loop: {s.Agents} streams × {s.Inflight} outstanding; warm-up {s.Warmup} s, measure {s.Seconds} s");

            var benchCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var warmup = s.Realtime ? s.Warmup + WindowSeconds : s.Warmup;
            using var monitor = new Monitor(silo, counters);
            await monitor.RunForAsync(TimeSpan.FromSeconds(warmup), "warm-up");
            counters.Recording = true;
            var start = Snapshot(counters, silo);
            await monitor.RunForAsync(TimeSpan.FromSeconds(s.Seconds), "measure");
            var end = Snapshot(counters, silo);
            counters.Recording = false;
            var benchCpu = Process.GetCurrentProcess().TotalProcessorTime - benchCpu0;
            stop.Cancel();
            Log.Info("stopping: waiting for outstanding acks");
            var all = Task.WhenAll(runs);
            if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(20))) != all)
                Log.Info($"{runs.Count(r => !r.IsCompleted)} agents still waiting for acks 20 s after the end: their streams are cancelled");

            var elapsed = (end.At - start.At).TotalSeconds;
            var batches = (end.Acked - start.Acked) / elapsed;
            var latencies = counters.SortedLatencies();
            var (rss, hwm) = silo.Memory();
            var generatorRss = Process.GetCurrentProcess().WorkingSet64 / 1048576.0;
            Log.Result(await AdmissionAsync(silo));
            var rollups = File.ReadLines(silo.LogPath).Count(l => l.Contains("Rollup compacted", StringComparison.Ordinal));
            Log.Result($"machine: load average {LoadAverage()} at the end (2 cores; other processes on the machine count); rollup runs completed during the run: {rollups}");
            var result = new IngestResult(batches, (end.Samples - start.Samples) / elapsed, (end.Bytes - start.Bytes) / elapsed / 1048576.0,
                counters.Acked, counters.Rejected, end.Errors,
                Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 95), Stats.Percentile(latencies, 99), rss, hwm, idleRss,
                (end.SiloCpu - start.SiloCpu).TotalSeconds / elapsed, benchCpu.TotalSeconds / (warmup + s.Seconds),
                s.Realtime, s.Agents, s.Realtime ? s.Agents / (double)WindowSeconds : double.NaN,
                s.Interning, (end.SelfContainedBytes - start.SelfContainedBytes) / elapsed / 1048576.0, generatorRss);
            if (interned is not null)
            {
                var dictionaries = interned.Select(w => (double)w.DictionaryBytes).Order().ToList();
                var later = interned.Distinct().SelectMany(w => w.Windows.Skip(1)).Select(w => (double)w.Bytes.Length / w.SelfContainedBytes).Order().ToList();
                Log.Result($"stream interning: first window of a stream {Stats.Percentile(interned.Select(w => (double)w.Windows[0].Bytes.Length).Order().ToList(), 50) / 1024:F0} KiB, " +
                    $"later windows median {100 * Stats.Percentile(later, 50):F1} % of self-contained ({100 * later[0]:F1}–{100 * later[^1]:F1} %)");
                Log.Result($"stream interning: dictionary per stream after the run median {Stats.Percentile(dictionaries, 50) / 1048576.0:F2} MiB (max {dictionaries[^1] / 1048576.0:F2}), " +
                    $"{dictionaries.Sum() / 1073741824.0:F2} GiB over {dictionaries.Count} streams in dictionary bytes (what the gateway holds, bounded by MaxStreams × MaxDictionaryBytes " +
                    $"= {s.DictionaryCap / 1048576.0:0.##} MiB each)");
            }
            foreach (var e in counters.Errors) Log.Info("error: " + e);
            Report(result, silo, counters);
            return result;
        }
        finally
        {
            Log.Info($"profile store: {DirectorySize(silo.DataDirectory) / 1048576.0:F0} MiB in {silo.DataDirectory}");
            await silo.DisposeAsync();
            silo.DeleteData();
        }
    }

    /// <summary>The gateway's admission of batches (Ingest:MaxBatchesInFlight) as its status reports it; a silo of an older build reports none.</summary>
    private static async Task<string> AdmissionAsync(SiloHost silo)
    {
        using var channel = Fleet.Channel(silo.GrpcAddress);
        var reply = await new Status.StatusClient(channel).GetStatusAsync(new GetStatusRequest());
        return reply.Ingest is not { } i
            ? "gateway admission: not reported (a build without Ingest:MaxBatchesInFlight: every stream's batch is applied at once)"
            : $"gateway admission: peak {i.PeakBatchesInFlight} of {i.MaxBatchesInFlight} batches in flight, {i.BatchesWaiting} streams waiting now; " +
              $"{i.BatchesAdmitted:N0} batches admitted, {i.BatchesAdmittedAfterWaiting:N0} after waiting for a slot; {i.AgentStreams} agent streams";
    }

    private static void Report(IngestResult r, SiloHost silo, IngestCounters c)
    {
        Log.Result($"acked batches/s: {r.BatchesPerSecond:F1} (thread samples/s {r.SamplesPerSecond:N0}; {r.MiBPerSecond:F1} MiB/s of batches on the wire" +
            (r.Interning ? $", stream-interned, standing for {r.SelfContainedMiBPerSecond:F1} MiB/s self-contained)" : ", self-contained)"));
        Log.Result($"ack latency ms: p50 {r.LatencyP50:F0}, p95 {r.LatencyP95:F0}, p99 {r.LatencyP99:F0}");
        Log.Result($"totals: sent {c.Sent}, acked {r.Acked} (duplicates {c.Duplicates}), rejected {r.Rejected}, streams failed until the end of the measurement {r.StreamErrors} " +
            $"(+{c.StreamErrors - r.StreamErrors} while stopping, when unacked streams are cancelled)");
        Log.Result($"cpu (share of one core, 2 cores = 2.00): silo {r.SiloCpuShare:F2}, load generator {r.BenchCpuShare:F2} (VmRSS {r.GeneratorRssMiB:F0} MiB" +
            ")");
        if (r.SiloCpuShare > 0)
        {
            Log.Result($"efficiency: {r.BatchesPerSecond / r.SiloCpuShare:F0} batches per silo CPU-second; projection if the silo had both cores to itself and stayed CPU-bound: " +
                $"~{r.BatchesPerSecond / r.SiloCpuShare * 2 * WindowSeconds:N0} hosts (not a measurement)");
        }

        Log.Result($"memory: silo VmRSS {r.RssMiB:F0} MiB, VmHWM {r.HwmMiB:F0} MiB (idle before agents connected: {r.IdleRssMiB:F0} MiB; {r.Agents} agents connected)");
    }

    public static string Headline(IngestResult r) => r.Realtime
        ? $"ingest (real time, {(r.Interning ? "stream-interned" : "self-contained")}): {r.Agents} hosts × one {WindowSeconds} s window per {WindowSeconds} s: acked {r.BatchesPerSecond:F1} of {r.OfferedPerSecond:F1} offered batches/s, " +
          $"ack p99 {r.LatencyP99:F0} ms, silo VmRSS {r.RssMiB:F0} MiB, VmHWM {r.HwmMiB:F0} MiB: " +
          (r.BatchesPerSecond >= 0.98 * r.OfferedPerSecond && r.LatencyP99 < WindowSeconds * 1000 && r.StreamErrors == 0 && r.Rejected == 0 ? "SUSTAINED" : "NOT sustained")
        : $"ingest ({(r.Interning ? "stream-interned" : "self-contained")}): {r.BatchesPerSecond * WindowSeconds:N0} hosts sustainable at one {WindowSeconds} s window each (= {r.BatchesPerSecond:F1} acked batches/s × {WindowSeconds}, compressed time, {r.Agents} streams; {r.SamplesPerSecond:N0} samples/s; floor 2,000, goal 10,000)";

    public static string MemoryHeadline(IngestResult r) =>
        $"memory: silo VmRSS {r.RssMiB:F0} MiB, VmHWM {r.HwmMiB:F0} MiB after ingest ({r.Agents} agents connected; idle {r.IdleRssMiB:F0} MiB)";

    /// <summary>
    /// Per service: stack pool and <paramref name="variants"/> windows, each a prebuilt self-contained body and, with
    /// <paramref name="keepBatches"/>, the batch itself (what <see cref="InternedWindows"/> encodes).
    /// </summary>
    internal static (Dictionary<string, List<(Batch? Batch, WindowBody Window)>> Bodies, string Summary) BuildWorkload(int services, int variants, bool keepBatches = false)
    {
        var sw = Stopwatch.StartNew();
        var bodies = new Dictionary<string, List<(Batch? Batch, WindowBody Window)>>();
        var built = Enumerable.Range(0, services).AsParallel().Select(i =>
        {
            var name = $"svc{i:D2}";
            var pool = new StackPool(name, seed: 1000 + i);
            var factory = new WindowFactory(pool);
            var rng = new Random(i);
            return (name, pool, Enumerable.Range(0, variants).Select(_ =>
            {
                var (batch, window) = factory.BuildBatch(rng);
                var bytes = batch.ToByteArray();
                return (keepBatches ? batch : null, window with { Bytes = bytes, SelfContainedBytes = bytes.Length });
            }).ToList());
        }).ToList();
        foreach (var (name, _, list) in built) bodies[name] = list;
        var all = built.SelectMany(b => b.Item3).Select(b => b.Item2).ToList();
        var depth = built[0].pool.Stacks.Average(st => st.Length);
        Log.Info($"workload built in {sw.Elapsed.TotalSeconds:F1} s");
        return (bodies, $"{built[0].pool.Stacks.Count} stacks (depth 30–80, mean {depth:F0}) over {built[0].pool.Functions.Count} functions; " +
            $"window: {all.Average(b => b.ThreadSamples):F0} thread samples over {all.Average(b => b.DistinctStacks):F0} distinct stacks, " +
            $"{all.Average(b => b.Strings):F0} strings, {all.Average(b => b.Bytes.Length) / 1024:F0} KiB ({variants} variants per service)");
    }

    /// <summary>
    /// Per agent (agent i is of service i mod services) its <see cref="InternedWindows"/>, encoded now, before the silo
    /// starts: --sequences distinct sequences per service (0: one per agent), agent i sending sequence (i / services) mod
    /// sequences. Agents sharing a sequence send the same bytes on separate streams, each against its own dictionary at
    /// the gateway, as agents sharing a self-contained variant did. Real time sends one window per 10 s: every window of
    /// the run is encoded (two to spare); the closed loop encodes --prebuilt (default 12) and replays them, each replay
    /// starting a new dictionary.
    /// </summary>
    private static List<InternedWindows> Prebuild(IngestSettings s, Dictionary<string, List<(Batch? Batch, WindowBody Window)>> bodies)
    {
        var count = s.Prebuilt > 0 ? s.Prebuilt : s.Realtime ? (s.Warmup + WindowSeconds + s.Seconds) / WindowSeconds + 2 : 12;
        var perService = s.Sequences == 0 ? (s.Agents + s.Services - 1) / s.Services : Math.Min(s.Sequences, (s.Agents + s.Services - 1) / s.Services);
        var sw = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var pools = bodies.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<(Batch, WindowBody)>)kv.Value.Select(v => (v.Batch!, v.Window)).ToList());
        var keys = Enumerable.Range(0, s.Services).SelectMany(service => Enumerable.Range(0, perService).Select(k => (Service: service, Sequence: k))).ToList();
        var sequences = keys.AsParallel().AsOrdered()
            .Select(key => InternedWindows.Encode(pools[$"svc{key.Service:D2}"], s.DictionaryCap, seed: 50_000 + key.Service * 10_000 + key.Sequence, count)).ToList();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        Log.Info($"stream interning: {keys.Count} sequences ({perService} per service) × {count} windows encoded before the run ({keys.Count * count:N0} windows in " +
            $"{sw.Elapsed.TotalSeconds:F1} s, {cpu.TotalMilliseconds / (keys.Count * count):F2} CPU-ms each; pool of {s.Pool} windows per service, cap " +
            $"{s.DictionaryCap / 1048576.0:0.##} MiB; load generator VmRSS {Process.GetCurrentProcess().WorkingSet64 / 1048576.0:F0} MiB)");
        return [.. Enumerable.Range(0, s.Agents).Select(i => sequences[i % s.Services * perService + i / s.Services % perService])];
    }

    private sealed record Point(DateTime At, long Acked, long Samples, long Bytes, long SelfContainedBytes, TimeSpan SiloCpu, long Errors);

    private static Point Snapshot(IngestCounters c, SiloHost silo) =>
        new(DateTime.UtcNow, Interlocked.Read(ref c.Acked), Interlocked.Read(ref c.ThreadSamples), Interlocked.Read(ref c.Bytes),
            Interlocked.Read(ref c.SelfContainedBytes), silo.CpuTime(), Interlocked.Read(ref c.StreamErrors));

    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static long DirectorySize(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    /// <summary>Prints progress every 5 s to stderr: ack rate, outstanding, CPU of silo and generator, silo RSS.</summary>
    private sealed class Monitor(SiloHost silo, IngestCounters counters) : IDisposable
    {
        private DateTime _at = DateTime.UtcNow;
        private long _acked;
        private TimeSpan _siloCpu = silo.CpuTime(), _benchCpu = Process.GetCurrentProcess().TotalProcessorTime;

        public async Task RunForAsync(TimeSpan duration, string phase)
        {
            var end = DateTime.UtcNow + duration;
            while (DateTime.UtcNow < end)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, Math.Max(0.05, (end - DateTime.UtcNow).TotalSeconds))));
                if (silo.HasExited) throw new InvalidOperationException($"the silo exited; see {silo.LogPath}");
                var now = DateTime.UtcNow;
                var dt = (now - _at).TotalSeconds;
                if (dt < 1) continue;
                var acked = Interlocked.Read(ref counters.Acked);
                var siloCpu = silo.CpuTime();
                var benchCpu = Process.GetCurrentProcess().TotalProcessorTime;
                Log.Info($"{phase}: {(acked - _acked) / dt,7:F1} acks/s, outstanding {Interlocked.Read(ref counters.Sent) - acked - Interlocked.Read(ref counters.Rejected)}, " +
                    $"cpu silo {(siloCpu - _siloCpu).TotalSeconds / dt:F2} gen {(benchCpu - _benchCpu).TotalSeconds / dt:F2}, silo RSS {silo.Memory().RssMiB:F0} MiB, errors {counters.StreamErrors}");
                (_at, _acked, _siloCpu, _benchCpu) = (now, acked, siloCpu, benchCpu);
            }
        }

        public void Dispose() { }
    }
}
