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

public sealed record MetricsCostSettings(int Pairs, double Seconds, int Clients, string Path, int CollectSeconds, int Records, int MicroReps, int Series, bool Spin)
{
    public static MetricsCostSettings Read(CommandLineOptions options) => new(
        options.Int("pairs", 24, 4, 400),
        options.Double("seconds", 2),
        options.Int("clients", 4, 1, 256),
        options.String("path") ?? "/rare",
        options.Int("collect-seconds", 10, 2, 120),
        options.Int("records", 10_000_000, 1000, 1_000_000_000),
        options.Int("micro-reps", 7, 1, 100),
        options.Int("series", 1000, 1, 100_000),
        options.Flag("spin"));
}

/// <summary>
/// The always-on request-metrics session's cost, decomposed and measured in CPU time (robust to the CPU other processes
/// take from a shared host, unlike throughput):
/// <list type="number">
/// <item>(a) per request, in the real target: the demo's CPU per request (its process CPU clock, ns) under closed-loop
/// load with the agent's exact session on vs off, many short paired segments (ABAB…, BABA…); the paired difference over
/// the off segment's CPU per request is the share. Ends with the same in-process: ns per
/// <c>Histogram.Record</c> of an identical instrument (name, unit, the five tags ASP.NET Core's HostingMetrics adds) with
/// an <see cref="EventListener"/> enabling <c>System.Diagnostics.Metrics</c> with the agent's arguments vs without.</item>
/// <item>(b)+(c) per collection, in the real target: the CPU of its <c>MetricsEventSource CollectWorker</c> thread
/// (aggregation, percentiles, writing the events) and its EventPipe streaming thread over a session collecting every
/// second, per collection; then the same in-process at <c>--series</c> time series (the agent's MaxHistograms cap).</item>
/// </list>
/// The session is opened by this process with <see cref="RequestMetricsSession.ProviderFor"/> and the agent's default
/// <see cref="RequestMetricsOptions"/> (the provider, keywords, level, arguments and buffer size the agent daemon uses)
/// and read with TraceEvent as the agent does: the target's side of it is the agent's session.
/// </summary>
public static class MetricsCostBenchmark
{
    private static readonly RequestMetricsOptions Agent = new();

    public static async Task<string> RunAsync(MetricsCostSettings settings)
    {
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"# (a) demo GET {settings.Path}, {settings.Clients} closed-loop clients, {settings.Pairs} pairs x {settings.Seconds:0.#} s per condition (order alternated per pair); target CPU from its process CPU clock (ns)"));
        var provider = RequestMetricsSession.ProviderFor("<session id>", Agent);
        Log.Result($"# session: {provider.Name}, keywords 0x{provider.Keywords:X}, level {provider.EventLevel}, {string.Join(", ", provider.Arguments!.Select(a => $"{a.Key}={a.Value}"))}, buffer {Agent.CircularBufferMB} MB, no rundown");

        var (off, on, collect) = await InTargetAsync(settings);
        var baseline = off.Select(MicrosPerRequest).ToList();
        var diffs = on.Zip(off, (a, b) => MicrosPerRequest(a) - MicrosPerRequest(b)).ToList();
        var shares = on.Zip(off, (a, b) => MicrosPerRequest(a) / MicrosPerRequest(b) - 1).ToList();
        var (low, high) = MedianConfidence(shares);
        var baselineMicros = Stats.Median(baseline);
        var targetCores = Stats.Median(off.Select(m => m.Cores[0]));
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(a) target CPU per request: none {Stats.Spread(baseline, "F2")} µs, session {Stats.Spread(on.Select(MicrosPerRequest).ToList(), "F2")} µs; paired difference {Stats.Spread(diffs, "F3")} µs"));
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(a) paired share (session/none - 1): median {Stats.Median(shares):P2}, 95 % confidence of the median {low:P2} to {high:P2}, min–max {shares.Min():P2} to {shares.Max():P2} ({settings.Pairs} pairs; throughput none {Stats.Median(off.Select(m => m.RequestsPerSecond)):F0} req/s, session {Stats.Median(on.Select(m => m.RequestsPerSecond)):F0} req/s; others used {Stats.Median(off.Concat(on).Select(m => m.OtherCores)):F2} cores)"));

        var perSecondAtAgentInterval = collect.CpuSecondsPerCollection / Agent.IntervalSeconds;
        var collectShare = perSecondAtAgentInterval / targetCores;
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(b)+(c) target: {collect.CpuSecondsPerCollection * 1e6:F0} µs CPU per collection ({collect.Series} series; threads {collect.Threads}); at the agent's {Agent.IntervalSeconds} s interval {perSecondAtAgentInterval * 1e6:F1} µs per second = {collectShare:P4} of the target's {targetCores:F2} cores; session counted {collect.CountedRequests} requests in {collect.Collections} collections vs the load's {collect.LoadRequests} ({collect.CountedRequests / (double)collect.LoadRequests:F3})"));

        var micro = Microbenchmark(settings.Records, settings.MicroReps);
        var microShare = micro.NsPerRecord / 1000 / baselineMicros;
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(a) in-process Histogram.Record ({settings.Records:N0} per rep, {settings.MicroReps} reps): none {Stats.Spread(micro.Off, "F1")} ns, session {Stats.Spread(micro.On, "F1")} ns, paired difference {Stats.Spread(micro.Diffs, "F1")} ns = {microShare:P3} of the target's {baselineMicros:F2} µs per request"));
        var cap = CollectionAtCap(settings.Series);
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"(b) in-process collection of {settings.Series} series: {Stats.Spread(cap.Select(c => c * 1e6).ToList(), "F0")} µs CPU per collection; at the agent's {Agent.IntervalSeconds} s interval {Stats.Median(cap) / Agent.IntervalSeconds / targetCores:P4} of the target's {targetCores:F2} cores"));

        var total = Stats.Median(shares) + collectShare;
        var verdict = high + collectShare <= 0.01 ? "met"
            : low + collectShare > 0.01 ? "not met"
            : "not decided";
        return string.Create(CultureInfo.InvariantCulture,
            $"metrics session cost on GET {settings.Path}: {total:P2} of the target's CPU per request (per request {Stats.Median(shares):P2}, 95 % {low:P2} to {high:P2}, over {settings.Pairs} pairs, {Stats.Median(diffs):F3} µs on {baselineMicros:F2} µs; Record in-process {micro.NsPerRecord:F0} ns = {microShare:P2}; collection {collectShare:P4}) — goal ≤ 1 %: {verdict}");
    }

    /// <summary>
    /// (a) in the real target: paired segments of closed-loop load without and with the session; then (b)+(c): one
    /// session collecting every second (the agent collects every IntervalSeconds) under the same load.
    /// </summary>
    private static async Task<(List<Measurement> Off, List<Measurement> On, Collection Collect)> InTargetAsync(MetricsCostSettings settings)
    {
        var environment = settings.Spin ? new Dictionary<string, string>()
            : new Dictionary<string, string> { ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0" };
        var demo = await DemoService.StartAsync(new DemoOptions { Load = 0, LoadSeconds = null, Service = "demo", Environment = environment });
        Log.Info($"demo pid {demo.Pid} on {demo.BaseAddress} ({(settings.Spin ? "thread pool spinning as by default" : "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0")})");
        await using var disposeDemo = demo;
        await using var load = new ClosedLoopLoad(new Uri(demo.BaseAddress, settings.Path), settings.Clients) { CpuClock = Libc.ProcessCpuSeconds };
        var segment = TimeSpan.FromSeconds(settings.Seconds);
        var settle = TimeSpan.FromMilliseconds(300);

        // Warm-up, not counted: JIT and tiering of the request path, and of the aggregation path behind a session.
        await load.MeasureAsync(TimeSpan.FromSeconds(2), segment, demo.Pid);
        await using (await TargetSession.StartAsync(demo.Pid, Agent))
        {
            await load.MeasureAsync(settle, segment, demo.Pid);
        }
        await load.MeasureAsync(settle, segment, demo.Pid);

        var off = new List<Measurement>();
        var on = new List<Measurement>();
        for (var pair = 0; pair < settings.Pairs; pair++)
        {
            foreach (var sessionOn in pair % 2 == 0 ? new[] { false, true } : [true, false])
            {
                Measurement m;
                if (sessionOn)
                {
                    await using var session = await TargetSession.StartAsync(demo.Pid, Agent);
                    m = await load.MeasureAsync(settle, segment, demo.Pid);
                }
                else
                {
                    m = await load.MeasureAsync(settle, segment, demo.Pid);
                }
                (sessionOn ? on : off).Add(m);
                Log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"pair {pair + 1}/{settings.Pairs} {(sessionOn ? "session" : "none"),-7} {m.RequestsPerSecond,8:F0} req/s, target {MicrosPerRequest(m),6:F2} µs CPU/request ({m.Cores[0]:F2} cores, others {m.OtherCores:F2})"));
            }
        }

        return (off, on, await MeasureCollectionAsync(demo.Pid, load, settings.CollectSeconds));
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
        double Run()
        {
            var t0 = Libc.ThreadCpuSeconds();
            for (var i = 0; i < records; i++)
            {
                RequestEnd(histogram, durations[i & 63]);
            }
            return (Libc.ThreadCpuSeconds() - t0) / records * 1e9;
        }

        var off = new List<double>();
        var on = new List<double>();
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Run();
                using (var warm = new InProcessSession(Agent, histogram))
                {
                    Run();
                }
                for (var rep = 0; rep < reps; rep++)
                {
                    foreach (var sessionOn in rep % 2 == 0 ? new[] { false, true } : [true, false])
                    {
                        if (sessionOn)
                        {
                            using var session = new InProcessSession(Agent, histogram);
                            on.Add(Run());
                        }
                        else
                        {
                            off.Add(Run());
                        }
                    }
                    Log.Info(string.Create(CultureInfo.InvariantCulture, $"micro rep {rep + 1}/{reps}: none {off[^1]:F1} ns, session {on[^1]:F1} ns per request"));
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
            throw new InvalidOperationException("microbenchmark failed", failure);
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
        private readonly Histogram<double> _histogram;
        private EventSource? _source;
        private EventPipeProvider? _provider;
        private long _published;

        public InProcessSession(RequestMetricsOptions options, Histogram<double> histogram)
        {
            _histogram = histogram;
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
            while (_histogram.Enabled != enabled)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new TimeoutException($"the in-process metrics session never {(enabled ? "enabled" : "disabled")} the histogram");
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
