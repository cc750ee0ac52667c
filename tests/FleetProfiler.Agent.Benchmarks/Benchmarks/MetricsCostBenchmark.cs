using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using System.Globalization;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;
using FleetProfiler.Agent.RequestMetrics;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

public sealed record MetricsCostSettings(int Pairs, double Seconds, int Clients, string Path, int CollectSeconds, int Records, int Requests, int MicroReps, int Series, bool Spin)
{
    public static MetricsCostSettings Read(CommandLineOptions options) => new(
        options.Int("pairs", 8, 2, 400),
        options.Double("seconds", 2),
        options.Int("clients", 2, 1, 256),
        options.String("path") ?? "/rare",
        options.Int("collect-seconds", 10, 2, 120),
        options.Int("records", 5_000_000, 1000, 1_000_000_000),
        options.Int("requests", 200_000, 100, 100_000_000),
        options.Int("micro-reps", 9, 1, 100),
        options.Int("series", 1000, 1, 100_000),
        options.Flag("spin"));
}

/// <summary>
/// The always-on request-metrics session's cost, decomposed and measured in CPU time (less sensitive than throughput to
/// the CPU other processes take from a shared host):
/// <list type="number">
/// <item>(a) per request. In the real target: two demos side by side under closed-loop load, the session in one of them
/// per segment, alternated; their CPU per request (process CPU clock, ns) gives the baseline and a side-by-side check.
/// In process, where it is steady: ASP.NET Core's whole request path (<see cref="InProcessPipeline"/>) and
/// <c>Histogram.Record</c> alone (an identical instrument with the five tags HostingMetrics adds), each without and with
/// an <see cref="EventListener"/> enabling <c>System.Diagnostics.Metrics</c> with the agent's arguments, alternated;
/// ns per request from the thread's CPU clock.</item>
/// <item>(b)+(c) per collection, in the real target: the CPU of its <c>MetricsEventSource CollectWorker</c> thread
/// (aggregation, percentiles, writing the events) and its EventPipe threads over a session collecting every second;
/// then in process at <c>--series</c> time series (the agent's MaxHistograms cap).</item>
/// </list>
/// The headline is the in-process path's extra ns per request over the real target's CPU per request, plus the
/// collections' share of the target's CPU. The target's session is opened by this process with
/// <see cref="RequestMetricsSession.ProviderFor"/> and the agent's default <see cref="RequestMetricsOptions"/> (provider,
/// keywords, level, arguments, buffer size) and read with TraceEvent as the agent does: the target's side of it is the
/// agent's session.
/// </summary>
public static class MetricsCostBenchmark
{
    private static readonly RequestMetricsOptions Agent = new();

    public static async Task<string> RunAsync(MetricsCostSettings settings)
    {
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"# (a) two demos side by side, GET {settings.Path}, {settings.Clients} closed-loop clients each, {settings.Pairs} pairs x 2 segments of {settings.Seconds:0.#} s, the session in one demo per segment (alternated); target CPU from its process CPU clock (ns)"));
        var provider = RequestMetricsSession.ProviderFor("<session id>", Agent);
        Log.Result($"# session: {provider.Name}, keywords 0x{provider.Keywords:X}, level {provider.EventLevel}, {string.Join(", ", provider.Arguments!.Select(a => $"{a.Key}={a.Value}"))}, buffer {Agent.CircularBufferMB} MB, no rundown");

        var (segments, collect) = await InTargetAsync(settings);
        var off = segments.Select(s => s.Off).ToList();
        var on = segments.Select(s => s.On).ToList();
        var baseline = off.Select(MicrosPerRequest).ToList();
        var diffs = segments.Select(s => MicrosPerRequest(s.On) - MicrosPerRequest(s.Off)).ToList();
        var shares = segments.Chunk(2).Where(p => p.Length == 2)
            .Select(p => Math.Sqrt(MicrosPerRequest(p[0].On) / MicrosPerRequest(p[0].Off) * (MicrosPerRequest(p[1].On) / MicrosPerRequest(p[1].Off))) - 1)
            .ToList();
        var (low, high) = MedianConfidence(shares);
        var baselineMicros = Stats.Median(baseline);
        var targetCores = Stats.Median(off.Select(m => m.Cores[0]));
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(a) target CPU per request: without {Stats.Spread(baseline, "F2")} µs, with the session {Stats.Spread(on.Select(MicrosPerRequest).ToList(), "F2")} µs; difference in the same segment {Stats.Spread(diffs, "F3")} µs"));
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(a) per pair √(first on/second off × second on/first off) - 1: median {Stats.Median(shares):P2}, 95 % confidence of the median {low:P2} to {high:P2}, min–max {shares.Min():P2} to {shares.Max():P2} ({settings.Pairs} pairs; per demo: throughput without {Stats.Median(off.Select(m => m.RequestsPerSecond)):F0} req/s, with {Stats.Median(on.Select(m => m.RequestsPerSecond)):F0} req/s; others used {Stats.Median(off.Concat(on).Select(m => m.OtherCores)):F2} cores)"));

        var perSecondAtAgentInterval = collect.CpuSecondsPerCollection / Agent.IntervalSeconds;
        var collectShare = perSecondAtAgentInterval / targetCores;
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(b)+(c) target: {collect.CpuSecondsPerCollection * 1e6:F0} µs CPU per collection ({collect.Series} series; threads {collect.Threads}); at the agent's {Agent.IntervalSeconds} s interval {perSecondAtAgentInterval * 1e6:F1} µs per second = {collectShare:P4} of the target's {targetCores:F2} cores ({perSecondAtAgentInterval:P4} of one core); session counted {collect.CountedRequests} requests in {collect.Collections} collections vs the load's {collect.LoadRequests} ({collect.CountedRequests / (double)collect.LoadRequests:F3})"));

        var micro = Microbenchmark(settings.Records, settings.MicroReps);
        var microShare = micro.NsPerRecord / 1000 / baselineMicros;
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(a) in-process Histogram.Record ({settings.Records:N0} per rep, {settings.MicroReps} reps): none {Stats.Spread(micro.Off, "F1")} ns, session {Stats.Spread(micro.On, "F1")} ns, paired difference {Stats.Spread(micro.Diffs, "F1")} ns = {microShare:P3} of the target's {baselineMicros:F2} µs per request"));
        var pipeline = await PipelineAsync(settings.Path, settings.Requests, settings.MicroReps);
        var pipelineShare = pipeline.NsPerRecord / 1000 / baselineMicros;
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(a) in-process ASP.NET Core request path GET {settings.Path} ({settings.Requests:N0} requests per rep, {settings.MicroReps} reps): without {Stats.Spread(pipeline.Off, "F0")} ns, with the session {Stats.Spread(pipeline.On, "F0")} ns, paired difference {Stats.Spread(pipeline.Diffs, "F0")} ns = {Stats.Median(pipeline.On.Zip(pipeline.Off, (a, b) => a / b - 1)):P2} of the in-process path (no Kestrel, no sockets: an upper bound), {pipelineShare:P2} of the real target's {baselineMicros:F2} µs per request"));
        var cap = CollectionAtCap(settings.Series);
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(b) in-process collection of {settings.Series} series (the agent's cap is {Agent.MaxHistograms}): {Stats.Spread(cap.Select(c => c * 1e6).ToList(), "F0")} µs CPU per collection; at the agent's {Agent.IntervalSeconds} s interval {Stats.Median(cap) / Agent.IntervalSeconds:P3} of one core"));

        // The verdict: the in-process path's extra CPU per request (steady) over the real target's CPU per request
        // (measured above, Kestrel and sockets included), plus the collections' share of the target's CPU.
        var share = pipelineShare + collectShare;
        var shareLow = pipeline.Diffs.Min() / 1000 / baselineMicros + collectShare;
        var shareHigh = pipeline.Diffs.Max() / 1000 / baselineMicros + collectShare;
        var verdict = shareHigh <= 0.01 ? "met" : shareLow > 0.01 ? "not met" : "not decided";
        var breakEven = pipeline.NsPerRecord / 1000 / (0.01 - collectShare);
        return string.Create(CultureInfo.InvariantCulture,
            $"metrics session cost on GET {settings.Path}: {share:P2} ({shareLow:P2}–{shareHigh:P2}) of the target's CPU per request — {pipeline.NsPerRecord:F0} ns more per request ({Stats.Spread(pipeline.Diffs, "F0")}, {settings.MicroReps} reps) on the target's {baselineMicros:F2} µs, collection {collectShare:P4}; goal ≤ 1 %: {verdict} (≤ 1 % for requests of ≥ {breakEven:F0} µs CPU); side-by-side in the target {Stats.Median(shares):P1} (95 % {low:P1} to {high:P1}, {settings.Pairs} pairs)");
    }

    /// <summary>One segment: both demos under load at once, the session in one of them.</summary>
    private sealed record Segment(Measurement On, Measurement Off, bool OnFirst);

    /// <summary>
    /// (a) in the real target. Two identical demos run side by side, each driven by its own closed-loop clients, and
    /// are measured over the same interval with the session in one of them, alternating (first, second, second, first,
    /// …): both see the same contention from the rest of the host, which a comparison across time on a shared machine
    /// cannot promise. Per pair of segments the session's factor is √((first on / second off) × (second on / first off)),
    /// which cancels any standing difference between the two processes. Then (b)+(c): one session collecting every
    /// second (the agent collects every IntervalSeconds) in the first demo under the same load.
    /// </summary>
    private static async Task<(List<Segment> Segments, Collection Collect)> InTargetAsync(MetricsCostSettings settings)
    {
        var environment = settings.Spin ? new Dictionary<string, string>()
            : new Dictionary<string, string> { ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0" };
        await using var first = await DemoService.StartAsync(new DemoOptions { Load = 0, LoadSeconds = null, Service = "demo", Environment = environment });
        await using var second = await DemoService.StartAsync(new DemoOptions { Load = 0, LoadSeconds = null, Service = "demo", Environment = environment });
        Log.Info($"demos pid {first.Pid} on {first.BaseAddress} and pid {second.Pid} on {second.BaseAddress} ({(settings.Spin ? "thread pool spinning as by default" : "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0")})");
        await using var firstLoad = new ClosedLoopLoad(new Uri(first.BaseAddress, settings.Path), settings.Clients) { CpuClock = Libc.ProcessCpuSeconds };
        await using var secondLoad = new ClosedLoopLoad(new Uri(second.BaseAddress, settings.Path), settings.Clients) { CpuClock = Libc.ProcessCpuSeconds };
        var segment = TimeSpan.FromSeconds(settings.Seconds);
        var settle = TimeSpan.FromMilliseconds(300);

        async Task<(Measurement First, Measurement Second)> MeasureBothAsync(TimeSpan warmup)
        {
            var both = await Task.WhenAll(firstLoad.MeasureAsync(warmup, segment, first.Pid), secondLoad.MeasureAsync(warmup, segment, second.Pid));
            return (both[0], both[1]);
        }

        // Warm-up, not counted: JIT and tiering of the request path, and of the aggregation path behind a session.
        await MeasureBothAsync(TimeSpan.FromSeconds(2));
        foreach (var pid in new[] { first.Pid, second.Pid })
        {
            await using (await TargetSession.StartAsync(pid, Agent))
            {
                await MeasureBothAsync(settle);
            }
        }

        var segments = new List<Segment>();
        for (var i = 0; i < 2 * settings.Pairs; i++)
        {
            var onFirst = i % 4 is 0 or 3;
            (Measurement First, Measurement Second) m;
            await using (await TargetSession.StartAsync(onFirst ? first.Pid : second.Pid, Agent))
            {
                m = await MeasureBothAsync(settle);
            }
            var s = onFirst ? new Segment(m.First, m.Second, true) : new Segment(m.Second, m.First, false);
            segments.Add(s);
            Log.Info(string.Create(CultureInfo.InvariantCulture,
                $"pair {i / 2 + 1}/{settings.Pairs} session in {(onFirst ? "first " : "second")}: with {MicrosPerRequest(s.On),6:F2} µs CPU/request ({s.On.RequestsPerSecond,6:F0} req/s, {s.On.Cores[0]:F2} cores), without {MicrosPerRequest(s.Off),6:F2} µs ({s.Off.RequestsPerSecond,6:F0} req/s, {s.Off.Cores[0]:F2} cores); others {s.Off.OtherCores:F2} cores"));
        }
        return (segments, await MeasureCollectionAsync(first.Pid, firstLoad, settings.CollectSeconds));
    }

    private static double MicrosPerRequest(Measurement m) => m.Cores[0] * m.Seconds / m.Requests * 1e6;

    /// <summary>
    /// Distribution-free 95 % confidence interval of the median (order statistics of the binomial sign test, normal
    /// approximation): [x(k), x(n+1-k)] with k = floor(n/2 - 0.98 √n), 1-based.
    /// </summary>
    private static (double Low, double High) MedianConfidence(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        var k = Math.Max(1, (int)Math.Floor(sorted.Count / 2.0 - 0.98 * Math.Sqrt(sorted.Count)));
        return (sorted[k - 1], sorted[sorted.Count - k]);
    }

    private sealed record Collection(double CpuSecondsPerCollection, int Collections, long CountedRequests, long LoadRequests, int Series, string Threads);

    /// <summary>The thread names (comm, 15 characters) of the session's periodic work in the target.</summary>
    private static readonly IReadOnlySet<string> SessionThreads = new HashSet<string> { "MetricsEventSou", ".NET EventPipe" };

    private static async Task<Collection> MeasureCollectionAsync(int pid, ClosedLoopLoad load, int seconds)
    {
        var options = new RequestMetricsOptions { IntervalSeconds = 1 };
        await using var session = await TargetSession.StartAsync(pid, options);
        // Let the first collections pass (the collect thread's start-up and the instrument's first series), then every
        // request of that load reach this process (events arrive after the streaming thread's flush).
        await load.MeasureAsync(TimeSpan.FromSeconds(2.5), TimeSpan.FromMilliseconds(10), pid);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var (collections0, counted0) = session.Totals;
        var clock = Stopwatch.StartNew();
        var threads0 = ProcFs.ThreadCpuSeconds(pid, SessionThreads);
        var m = await load.MeasureAsync(TimeSpan.Zero, TimeSpan.FromSeconds(seconds), pid);
        var threads1 = ProcFs.ThreadCpuSeconds(pid, SessionThreads);
        var wall = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var (collections1, counted1) = session.Totals;
        var cpu = threads1.Sum(t => t.Value.CpuSeconds - (threads0.TryGetValue(t.Key, out var before) ? before.CpuSeconds : 0));
        var collections = wall / options.IntervalSeconds;
        var names = string.Join(", ", threads1.Values.GroupBy(t => t.Name).Select(g => $"{g.Key} x{g.Count()}"));
        return new Collection(cpu / collections, collections1 - collections0, counted1 - counted0, m.Requests, session.Series, names);
    }

    /// <summary>The agent's session in a target process, read with TraceEvent as the agent reads it.</summary>
    private sealed class TargetSession : IAsyncDisposable
    {
        private readonly EventPipeSession _session;
        private readonly string _id;
        private readonly TaskCompletionSource _reporting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HashSet<string> _series = [];
        private Task _reader = Task.CompletedTask;
        private int _collections;
        private long _counted;

        private TargetSession(EventPipeSession session, string id) => (_session, _id) = (session, id);

        public (int Collections, long CountedRequests) Totals
        {
            get
            {
                lock (_series)
                {
                    return (_collections, _counted);
                }
            }
        }

        public int Series
        {
            get
            {
                lock (_series)
                {
                    return _series.Count;
                }
            }
        }

        /// <summary>Starts the session and returns once the target reports the instrument enabled.</summary>
        public static async Task<TargetSession> StartAsync(int pid, RequestMetricsOptions options)
        {
            var id = Guid.NewGuid().ToString("N");
            var session = await new DiagnosticsClient(pid).StartEventPipeSessionAsync(
                [RequestMetricsSession.ProviderFor(id, options)], requestRundown: false, options.CircularBufferMB, CancellationToken.None);
            var target = new TargetSession(session, id);
            target._reader = Task.Factory.StartNew(target.Read, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                await target._reporting.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                await target.DisposeAsync();
                throw new TimeoutException($"the target never reported {RequestMetricsSession.Instrument} enabled");
            }
            return target;
        }

        private void Read()
        {
            using var source = new EventPipeEventSource(_session.EventStream);
            source.Dynamic.All += e =>
            {
                if (e.ProviderName != RequestMetricsSession.Provider || e.PayloadByName("sessionId") as string != _id)
                {
                    return;
                }
                switch (e.EventName)
                {
                    case "BeginInstrumentReporting" when e.PayloadByName("instrumentName") as string == RequestMetricsSession.Instrument:
                        _reporting.TrySetResult();
                        break;
                    case "CollectionStart" or "Collection/Start":
                        lock (_series)
                        {
                            _collections++;
                        }
                        break;
                    case "HistogramValuePublished" when e.PayloadByName("instrumentName") as string == RequestMetricsSession.Instrument:
                        lock (_series)
                        {
                            _counted += Convert.ToInt64(e.PayloadByName("count"), CultureInfo.InvariantCulture);
                            _series.Add(e.PayloadByName("tags") as string ?? "");
                        }
                        break;
                    case "MultipleSessionsNotSupportedError" or "Error":
                        _reporting.TrySetException(new InvalidOperationException($"the target's MetricsEventSource: {e.EventName} {e.PayloadByName("errorMessage")}"));
                        break;
                }
            };
            source.Process();
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                _session.Stop();
            }
            catch (Exception e) when (e is IOException or ServerNotAvailableException or TimeoutException)
            {
            }
            await _reader;
            _session.Dispose();
        }
    }

    private sealed record Micro(IReadOnlyList<double> Off, IReadOnlyList<double> On, IReadOnlyList<double> Diffs)
    {
        public double NsPerRecord => Stats.Median(Diffs);
    }

    /// <summary>
    /// ns per request of what ASP.NET Core's HostingMetrics.RequestEnd does for <c>http.server.request.duration</c>, on one
    /// thread (its CPU clock), without and with an in-process listener enabling the agent's session, alternated.
    /// </summary>
    private static Micro Microbenchmark(int records, int reps)
    {
        using var meter = new Meter(RequestMetricsSession.Meter);
        var histogram = meter.CreateHistogram<double>(RequestMetricsSession.Instrument, "s", "Duration of HTTP server requests.");
        // Request durations of a cheap route (60 µs–4 ms), spread over the histogram's buckets.
        var durations = Enumerable.Range(0, 64).Select(i => 60e-6 * Math.Pow(1.07, i)).ToArray();
        return Alternate("Record", reps, histogram, () =>
        {
            var t0 = Libc.ThreadCpuSeconds();
            for (var i = 0; i < records; i++)
            {
                RequestEnd(histogram, durations[i & 63]);
            }
            return (Libc.ThreadCpuSeconds() - t0) / records * 1e9;
        });
    }

    /// <summary>
    /// ns per request of the whole ASP.NET Core request path in this process (<see cref="InProcessPipeline"/>: hosting,
    /// routing, the demo's handler, JSON), without and with the in-process session, alternated.
    /// </summary>
    private static async Task<Micro> PipelineAsync(string path, int requests, int reps)
    {
        await using var pipeline = await InProcessPipeline.StartAsync(path);
        pipeline.Run(1);
        Instrument? duration = null;
        using (var find = new MeterListener())
        {
            find.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == RequestMetricsSession.Meter && instrument.Name == RequestMetricsSession.Instrument)
                {
                    duration = instrument;
                }
            };
            find.Start();
        }
        if (duration is null)
        {
            throw new InvalidOperationException($"the in-process app has no {RequestMetricsSession.Meter} {RequestMetricsSession.Instrument}");
        }
        return Alternate("pipeline", reps, duration, () =>
        {
            var t0 = Libc.ThreadCpuSeconds();
            pipeline.Run(requests);
            return (Libc.ThreadCpuSeconds() - t0) / requests * 1e9;
        });
    }

    /// <summary>
    /// Runs <paramref name="run"/> (ns per operation, from this thread's CPU clock) on one dedicated thread, without and
    /// with an in-process session, alternated per rep (after one warm-up run of each).
    /// </summary>
    private static Micro Alternate(string label, int reps, Instrument instrument, Func<double> run)
    {
        var off = new List<double>();
        var on = new List<double>();
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                run();
                using (new InProcessSession(Agent, instrument))
                {
                    run();
                }
                for (var rep = 0; rep < reps; rep++)
                {
                    foreach (var sessionOn in rep % 2 == 0 ? new[] { false, true } : [true, false])
                    {
                        if (sessionOn)
                        {
                            using var session = new InProcessSession(Agent, instrument);
                            on.Add(run());
                        }
                        else
                        {
                            off.Add(run());
                        }
                    }
                    Log.Info(string.Create(CultureInfo.InvariantCulture, $"{label} rep {rep + 1}/{reps}: without {off[^1]:F1} ns, with the session {on[^1]:F1} ns per request"));
                }
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException($"{label} microbenchmark failed: {failure.Message}", failure);
        }
        return new Micro(off, on, on.Zip(off, (a, b) => a - b).ToList());
    }

    private static readonly object Boxed200 = 200;

    /// <summary>The shape of HostingMetrics.RequestEnd (ASP.NET Core 10): two tags always, three more and Record when enabled.</summary>
    private static void RequestEnd(Histogram<double> histogram, double seconds)
    {
        var tags = new TagList { { "url.scheme", "http" }, { "http.request.method", "GET" } };
        if (histogram.Enabled)
        {
            tags.Add("network.protocol.version", "1.1");
            tags.Add("http.response.status_code", Boxed200);
            tags.Add("http.route", "/rare");
            histogram.Record(seconds, tags);
        }
    }

    /// <summary>
    /// In-process collection cost at <paramref name="series"/> time series of the instrument: CPU of the
    /// MetricsEventSource CollectWorker thread per collection (every second), 6 collections measured after 2.
    /// </summary>
    private static List<double> CollectionAtCap(int series)
    {
        using var meter = new Meter(RequestMetricsSession.Meter);
        var histogram = meter.CreateHistogram<double>(RequestMetricsSession.Instrument, "s");
        var options = new RequestMetricsOptions { IntervalSeconds = 1, MaxHistograms = Math.Max(series, Agent.MaxHistograms), MaxTimeSeries = Math.Max(series, Agent.MaxTimeSeries) };
        using var session = new InProcessSession(options, histogram);
        var routes = Enumerable.Range(0, series).Select(i => $"/route{i}").ToArray();
        var perCollection = new List<double>();
        var self = Environment.ProcessId;
        var names = new HashSet<string> { "MetricsEventSou" };
        Dictionary<int, (string Name, double CpuSeconds)>? previous = null;
        var clock = Stopwatch.StartNew();
        for (var second = 0; second < 8; second++)
        {
            // Every series gets measurements in every interval, as a busy service's routes do.
            for (var i = 0; i < routes.Length; i++)
            {
                var tags = new TagList { { "url.scheme", "http" }, { "http.request.method", "GET" }, { "network.protocol.version", "1.1" }, { "http.response.status_code", Boxed200 }, { "http.route", routes[i] } };
                histogram.Record(1e-3 + i * 1e-6, tags);
            }
            Thread.Sleep(TimeSpan.FromSeconds(second + 1) - clock.Elapsed);
            var now = ProcFs.ThreadCpuSeconds(self, names);
            if (previous is not null && second >= 2)
            {
                perCollection.Add(now.Sum(t => t.Value.CpuSeconds - (previous.TryGetValue(t.Key, out var p) ? p.CpuSeconds : 0)));
            }
            previous = now;
        }
        Log.Info($"in-process collection: {session.Published} values published for {series} series");
        return perCollection;
    }

    /// <summary>An in-process listener enabling <c>System.Diagnostics.Metrics</c> with the agent's provider arguments.</summary>
    private sealed class InProcessSession : EventListener
    {
        private readonly object _lock = new();
        private readonly Instrument _instrument;
        private EventSource? _source;
        private EventPipeProvider? _provider;
        private long _published;

        public InProcessSession(RequestMetricsOptions options, Instrument instrument)
        {
            _instrument = instrument;
            lock (_lock)
            {
                _provider = RequestMetricsSession.ProviderFor(Guid.NewGuid().ToString("N"), options);
                if (_source is not null)
                {
                    Enable(_source);
                }
            }
            WaitFor(enabled: true);
        }

        private void WaitFor(bool enabled)
        {
            var clock = Stopwatch.StartNew();
            while (_instrument.Enabled != enabled)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new TimeoutException($"the in-process metrics session never {(enabled ? "enabled" : "disabled")} the instrument");
                }
                Thread.Sleep(1);
            }
        }

        public long Published => Interlocked.Read(ref _published);

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name != RequestMetricsSession.Provider)
            {
                return;
            }
            // Also called from the base constructor, for sources that exist already: before _provider is set.
            lock (_lock)
            {
                _source = eventSource;
                if (_provider is not null)
                {
                    Enable(eventSource);
                }
            }
        }

        private void Enable(EventSource source) =>
            EnableEvents(source, _provider!.EventLevel, (EventKeywords)_provider.Keywords, _provider.Arguments!.ToDictionary(a => a.Key, a => (string?)a.Value));

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName == "HistogramValuePublished")
            {
                Interlocked.Increment(ref _published);
            }
        }

        public override void Dispose()
        {
            base.Dispose();
            WaitFor(enabled: false);
        }
    }
}
