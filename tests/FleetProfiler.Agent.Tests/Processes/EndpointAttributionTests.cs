using FleetProfiler.Agent.Triggers;
using Xunit.Abstractions;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// Endpoint attribution through real processes: the test service (tests/FleetProfiler.TestService) under the test's own
/// load, the agent daemon profiling it on a command from a fake gateway, and the batch the agent sends. Each route runs
/// its own named work before and after awaits (RouteWork); a sample whose stack holds a route's work method must carry
/// that route's endpoint label.
/// </summary>
public sealed class EndpointAttributionTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private const string Alpha = "GET /work/alpha/{n:int}";
    private const string Beta = "GET /work/beta";
    private const string Sync = "GET /work/sync";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Cpu_and_allocation_samples_carry_the_route_of_the_request_they_ran_for_also_after_await()
    {
        await using var service = await StartServiceAsync("attrib");
        await using var gateway = await FakeGateway.StartAsync();
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url, new Dictionary<string, string> { ["Signals"] = "false" });
        await agent.WaitForLineAsync($"(pid {service.Process.Pid},", Deadline);
        await Eventually.Until(() => gateway.IsConnected, Deadline, "the agent connected");

        using var load = new Load(service.BaseUrl);
        await Eventually.Until(() => load.Completed >= 20, Deadline, "requests answered under load");
        // Windows of 3 s until every work method has enough samples to judge (the machine is shared: how many samples a
        // window gets varies), at most MaxWindows of each kind.
        var cpu = await CollectAsync(gateway, service.Process.Pid, "cpu",
            samples => CpuWork.All(w => InMethod(samples, w.Method).Sum(s => s.Value) >= MinSamples));
        var alloc = await CollectAsync(gateway, service.Process.Pid, "alloc",
            samples => InMethod(samples, "BetaAllocates").Sum(s => s.Value) >= MinAllocBytes);
        await load.StopAsync();

        var figures = new List<string>();
        try
        {
            Assert.All(cpu.Batches.Concat(alloc.Batches), b => Assert.Equal(("timeline", ""), (b.Attribution.Method, b.Attribution.Note)));
            Assert.True(cpu.Batches.Sum(b => b.Attribution.Requests) > 10, "requests seen");
            // Templates and the fixed rows only, never a raw path.
            Assert.All(cpu.Samples.Concat(alloc.Samples).Select(s => s.Endpoint).Distinct(),
                e => Assert.Contains(e, new[] { Alpha, Beta, Sync, "GET /items/{id:int}", "[not in a request]" }));
            foreach (var (method, endpoint, required) in CpuWork)
            {
                Check(cpu.Samples, method, endpoint, required, MinSamples, figures);
            }
            Check(alloc.Samples, "BetaAllocates", Beta, 0.95, MinAllocBytes, figures);
        }
        finally
        {
            output.WriteLine($"cpu windows: {string.Join(" ", cpu.Batches.Select(b => b.Attribution))}");
            output.WriteLine($"alloc windows: {string.Join(" ", alloc.Batches.Select(b => b.Attribution))}");
            figures.ForEach(output.WriteLine);
        }
    }

    private const int MinSamples = 30;

    /// <summary>About 30 allocation samples (one per ~100 KB allocated).</summary>
    private const long MinAllocBytes = 3_000_000;
    private const int MaxWindows = 6;

    private static readonly (string Method, string Endpoint, double Required)[] CpuWork =
    [
        ("AlphaBeforeAwait", Alpha, 0.95), ("AlphaAfterAwait", Alpha, 0.95),
        ("BetaBeforeAwait", Beta, 0.95), ("BetaAfterAwait", Beta, 0.95), ("SyncWork", Sync, 0.99),
    ];

    private static IEnumerable<(string Endpoint, string[] Functions, long Value)> InMethod(
        IEnumerable<(string Endpoint, string[] Functions, long Value)> samples, string method) =>
        samples.Where(s => s.Functions.Any(f => f.Contains($"RouteWork.{method}(", StringComparison.Ordinal)));

    /// <summary>Share of the samples in <paramref name="method"/> (cpu: samples; alloc: estimated bytes) labelled <paramref name="endpoint"/>.</summary>
    private static void Check(IReadOnlyList<(string Endpoint, string[] Functions, long Value)> samples, string method, string endpoint,
        double required, long minimum, List<string> figures)
    {
        var with = InMethod(samples, method).ToList();
        var total = with.Sum(s => s.Value);
        var right = with.Where(s => s.Endpoint == endpoint).Sum(s => s.Value);
        var share = total == 0 ? 0 : (double)right / total;
        figures.Add($"{method}: {right}/{total} = {share:P1} on '{endpoint}' (required {required:P0})");
        Assert.True(total >= minimum, $"too few samples in {method} to judge after {MaxWindows} windows: {total}");
        Assert.True(share >= required, $"{method}: only {share:P1} of {total} samples on '{endpoint}': " +
            string.Join(", ", with.GroupBy(s => s.Endpoint).Select(g => $"{g.Key}={g.Sum(s => s.Value)}")));
    }

    /// <summary>Commands windows of <paramref name="kind"/> one after another until <paramref name="enough"/> holds for their samples together.</summary>
    private static async Task<(List<Batch> Batches, List<(string Endpoint, string[] Functions, long Value)> Samples)> CollectAsync(
        FakeGateway gateway, int pid, string kind, Func<List<(string Endpoint, string[] Functions, long Value)>, bool> enough)
    {
        var batches = new List<Batch>();
        var samples = new List<(string Endpoint, string[] Functions, long Value)>();
        for (var window = 0; window < MaxWindows && (window == 0 || !enough(samples)); window++)
        {
            var seen = gateway.Batches.Count;
            await gateway.SendAsync(new Command { Id = $"{kind}{window}", Action = Command.Types.Action.Start, Kind = kind, Pid = pid, Seconds = 3 });
            var batch = await Eventually.Until(() => gateway.Batches.Skip(seen).FirstOrDefault(b => b.Kinds.Contains(kind)), b => b is not null, Deadline, $"{kind} window {window}");
            batches.Add(batch!);
            samples.AddRange(LabelledSamples(batch!));
        }
        return (batches, samples);
    }

    /// <summary>
    /// The runtime's EventSource logger keeps one filter per process: with an attribution session per window, the end of
    /// one window's session switched the routing log off for the other windows still running, whose later requests then
    /// lost their route. One session per process, shared, keeps it on until the last window ends.
    /// </summary>
    [Fact]
    public async Task Overlapping_cpu_and_alloc_windows_of_one_process_both_give_every_request_its_route()
    {
        await using var service = await StartServiceAsync("overlap");
        await using var gateway = await FakeGateway.StartAsync();
        // The agent runs one command-started run per target, so the alloc windows come from the signal trigger.
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gateway.Url, new Dictionary<string, string>
        {
            ["SignalKinds"] = "alloc",
            ["WindowSeconds"] = "2",
        });
        await agent.WaitForLineAsync($"(pid {service.Process.Pid},", Deadline);
        await Eventually.Until(() => gateway.IsConnected, Deadline, "the agent connected");
        using var load = new Load(service.BaseUrl);
        await Eventually.Until(() => load.Completed >= 20, Deadline, "requests answered under load");

        // The cpu window outlives the first alloc window, which joins the cpu window's attribution session while requests are in flight.
        var pid = service.Process.Pid;
        await gateway.SendAsync(new Command { Id = "cpu", Action = Command.Types.Action.Start, Kind = "cpu", Pid = pid, Seconds = 6 });
        await agent.WaitForLineAsync($"Attribution session of pid {pid} started", Deadline);
        var before = load.Completed;
        await Eventually.Until(() => load.Completed >= before + 20, Deadline, "requests answered in the cpu window");
        Signals.Send(agent.Pid, RealtimeSignals.Min + 1);
        // Each window is spooled when its slice of the shared session has been read, so wait for both, in any order.
        var alloc = await Eventually.Until(() => gateway.Batches.FirstOrDefault(b => b.Kinds.Contains("alloc")), b => b is not null, Deadline, "the first alloc window");
        Signals.Send(agent.Pid, RealtimeSignals.Min + 2);
        var cpu = await Eventually.Until(() => gateway.Batches.FirstOrDefault(b => b.Kinds.Contains("cpu")), b => b is not null, Deadline, "the cpu window");
        await load.StopAsync();

        output.WriteLine($"cpu window: {cpu!.Attribution}");
        output.WriteLine($"alloc window: {alloc!.Attribution}");
        Assert.True(alloc.WindowEnd.ToDateTime() < cpu.WindowEnd.ToDateTime(),
            $"the cpu window ({cpu.WindowStart}..{cpu.WindowEnd}) outlived the alloc window ({alloc.WindowStart}..{alloc.WindowEnd})");
        foreach (var window in new[] { cpu, alloc })
        {
            Assert.Equal(("timeline", ""), (window.Attribution.Method, window.Attribution.Note));
            Assert.True(window.Attribution.Requests >= 10, $"requests seen in {window.Kinds}: {window.Attribution.Requests}");
            Assert.Equal(0, window.Attribution.RequestsWithoutRoute);
            Assert.All(LabelledSamples(window).Select(s => s.Endpoint).Distinct(),
                e => Assert.Contains(e, new[] { Alpha, Beta, Sync, "GET /items/{id:int}", "[not in a request]" }));
        }
        // The session the cpu window opened served the alloc window too (and any later alloc window that overlapped it).
        var stopped = await agent.WaitForLineAsync($"Attribution session of pid {pid} stopped", Deadline);
        var shared = int.Parse(System.Text.RegularExpressions.Regex.Match(stopped, @"shared by (\d+) window").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(shared >= 2, stopped);
    }

    [Fact]
    public async Task An_app_without_the_EventSource_logger_gets_its_requests_under_METHOD_unknown_route()
    {
        await using var service = await StartServiceAsync("noroute", "--EventSourceLogging", "false");
        using var load = new Load(service.BaseUrl);
        await Eventually.Until(() => load.Completed >= 20, Deadline, "requests answered under load");
        var (exit, once) = await AgentDaemon.RunOnceAsync(service.Process.Pid, "cpu", 2, extra: ["--by-endpoint"]);
        await load.StopAsync();

        Assert.Equal(0, exit);
        var line = once.Lines("Attribution of pid").Single();
        output.WriteLine(line);
        Assert.Contains("method timeline", line);
        Assert.DoesNotContain(" (0 without route)", line);
        Assert.Contains(once.StdoutLines, l => l.StartsWith("[endpoint] GET [unknown route];", StringComparison.Ordinal) && l.Contains("RouteWork.SyncWork("));
        Assert.DoesNotContain(once.StdoutLines, l => l.StartsWith("[endpoint] GET /", StringComparison.Ordinal));
    }

    /// <summary>
    /// The fallback: without the TPL <c>SetActivityId</c> events (here: not asked for, as on a runtime that does not write
    /// them) the window is attributed by thread correlation, and the method and note say so. The platform side is in
    /// EndpointCostPlatformTests.
    /// </summary>
    [Fact]
    public async Task Without_the_activity_timeline_the_window_falls_back_to_thread_correlation_and_says_so()
    {
        await using var service = await StartServiceAsync("notimeline");
        using var load = new Load(service.BaseUrl);
        await Eventually.Until(() => load.Completed >= 20, Deadline, "requests answered under load");
        var (exit, once) = await AgentDaemon.RunOnceAsync(service.Process.Pid, "cpu", 2, extra: ["--by-endpoint", "--Agent:Attribution:ActivityTimeline=false"]);
        await load.StopAsync();

        Assert.Equal(0, exit);
        var line = once.Lines("Attribution of pid").Single();
        output.WriteLine(line);
        Assert.Contains("method threads", line);
        Assert.Contains("(the activity timeline is off (Agent:Attribution:ActivityTimeline=false): attributed by thread, wrong after await)", line);
        // A synchronous handler runs on one thread: by thread, its work is still on its own route.
        Assert.Contains(once.StdoutLines, l => l.StartsWith("[endpoint] GET /work/sync;", StringComparison.Ordinal) && l.Contains("RouteWork.SyncWork("));
    }

    [Fact]
    public async Task With_attribution_off_the_window_has_no_endpoints_and_by_endpoint_says_why()
    {
        await using var service = await StartServiceAsync("off");
        using var load = new Load(service.BaseUrl);
        await Eventually.Until(() => load.Completed >= 20, Deadline, "requests answered under load");
        var (exit, once) = await AgentDaemon.RunOnceAsync(service.Process.Pid, "cpu", 2, extra: ["--by-endpoint", "--Agent:Attribution:Enabled=false"]);
        await load.StopAsync();

        Assert.Equal(0, exit);
        Assert.Contains(once.StderrLines, l => l.Contains("--by-endpoint needs attribution (Agent:Attribution:Enabled is false)"));
        Assert.Empty(once.Lines("Attribution of pid"));
        Assert.Contains(once.StdoutLines, l => l.Contains("RouteWork.SyncWork("));
        Assert.DoesNotContain(once.StdoutLines, l => l.StartsWith("[endpoint]", StringComparison.Ordinal));
    }

    /// <summary>The samples of a batch with their endpoint label and function names, root first.</summary>
    private static List<(string Endpoint, string[] Functions, long Value)> LabelledSamples(Batch b) =>
        b.Samples.Select(s => (
            Endpoint: b.Strings[(int)s.Labels.Single(l => b.Strings[(int)l.Key] == "endpoint").Value],
            Functions: b.Stacks[(int)s.Stack].Locations.Select(l => b.Strings[(int)b.Functions[(int)b.Locations[(int)l].Function].Name]).ToArray(),
            // Allocation windows: estimated bytes (the bytes per route are what the label is for).
            Value: b.Kinds.Contains("alloc") ? s.AllocBytes : s.CpuSamples)).ToList();

    internal static Task<TestServiceProcess> StartServiceAsync(string name, params string[] extra) =>
        TestService.StartAsync($"test service {name}", $"{DemoService.ServicePrefix}-{name}", extra);

    /// <summary>Closed-loop clients cycling over the work routes (and a cheap one) until stopped.</summary>
    internal sealed class Load : IDisposable
    {
        private static readonly string[] Paths = ["work/alpha/5", "work/beta", "work/sync", "items/3"];
        private readonly CancellationTokenSource _stop = new();
        private readonly HttpClient _http;
        private readonly Task[] _clients;
        private long _completed;

        public Load(Uri baseUrl, int clients = 3)
        {
            _http = new HttpClient { BaseAddress = baseUrl };
            _clients = Enumerable.Range(0, clients).Select(c => Task.Run(() => RunAsync(c))).ToArray();
        }

        public long Completed => Interlocked.Read(ref _completed);

        private async Task RunAsync(int client)
        {
            for (var i = client; !_stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await _http.GetAsync(Paths[i % Paths.Length], _stop.Token);
                    response.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref _completed);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpRequestException)
                {
                    // The service is still starting: keep knocking until it answers.
                    await Task.Delay(TestTimeouts.PollInterval, CancellationToken.None);
                }
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_clients);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _http.Dispose();
            _stop.Dispose();
        }
    }
}
