using System.Globalization;
using FleetProfiler.Agent.Benchmarks.Coverlet;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

public sealed record CoverletSettings(int Reps, int Seconds, int Clients, int Rounds, int WindowsPerHour, int CostRuns, string? Report)
{
    public static CoverletSettings Read(CommandLineOptions options) => new(
        options.Int("reps", 4, 1, 100),
        options.Int("seconds", 6, 3, 120),
        options.Int("clients", 4, 1, 64),
        options.Int("rounds", 2000, 1, 1_000_000),
        options.Int("per-hour", 1, 1, 12),
        options.Int("cost-runs", 4, 2, 50),
        options.String("report"));
}

/// <summary>
/// The agent's coverage window against coverlet line instrumentation on the same service, the dead-code test service
/// (tests/FleetProfiler.DeadCodeService, GET /work): four copies of its build output run side by side — plain,
/// coverlet default (hit counts), coverlet SingleHit — and closed-loop load is measured on one at a time, interleaved
/// with the order rotated per rep: no session, an agent coverage run started as the measured interval starts (plain
/// copy), SingleHit, default. Then the CPU one coverage run costs the idle plain copy (as the `coverage` benchmark).
/// Per hour of coverage: coverlet must instrument the whole hour (its extra CPU per request times the requests of an
/// hour at the measured rate); the agent runs <c>--per-hour</c> windows.
/// </summary>
public static class CoverletBenchmark
{
    private enum Condition { Baseline, AgentWindow, CoverletSingleHit, CoverletDefault }

    private const string Include = "[FleetProfiler.DeadCode*]*";
    private const string MainDll = "FleetProfiler.DeadCodeService.dll";

    public static async Task<string> RunAsync(CoverletSettings settings)
    {
        var buildOutput = Repo.OutputDirectory("tests", "FleetProfiler.DeadCodeService");
        Repo.RequireBuilt(Path.Combine(buildOutput, MainDll));
        var work = Path.Combine(Path.GetTempPath(), "fleetprofiler-agent-benchmarks", $"coverlet-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        Log.Result($"# dead-code test service GET /work?rounds={settings.Rounds}, {settings.Clients} closed-loop clients, {settings.Reps} reps x {settings.Seconds} s per condition, " +
                   $"order rotated per rep; coverlet.msbuild 10.0.1 ({Include}); agent --once --kind coverage; {settings.WindowsPerHour} coverage window(s) per hour");
        try
        {
            await using var singleHit = await CoverletSession.StartAsync(buildOutput, MainDll, Include, singleHit: true, work);
            await using var counts = await CoverletSession.StartAsync(buildOutput, MainDll, Include, singleHit: false, work);
            Log.Info("coverlet instrumented both copies");
            var plain = await StartAsync(buildOutput, "plain", settings.Rounds);
            var sh = await StartAsync(singleHit.Directory, "coverlet-singlehit", settings.Rounds);
            var cd = await StartAsync(counts.Directory, "coverlet-default", settings.Rounds);
            var services = new Dictionary<Condition, (ChildProcess Process, Uri Url)>
            {
                [Condition.Baseline] = plain,
                [Condition.AgentWindow] = plain,
                [Condition.CoverletSingleHit] = sh,
                [Condition.CoverletDefault] = cd,
            };
            var samples = Enum.GetValues<Condition>().ToDictionary(c => c, _ => new List<Measurement>());
            var agentSeconds = new List<double>();
            for (var rep = 0; rep < settings.Reps; rep++)
            {
                var order = Enum.GetValues<Condition>();
                foreach (var condition in order.Skip(rep % order.Length).Concat(order.Take(rep % order.Length)))
                {
                    var (process, url) = services[condition];
                    await using var load = new ClosedLoopLoad(url, settings.Clients);
                    var warmup = TimeSpan.FromSeconds(1);
                    Task<(double Seconds, string Line)>? agent = null;
                    var measuring = load.MeasureAsync(warmup, TimeSpan.FromSeconds(settings.Seconds), process.Pid);
                    if (condition == Condition.AgentWindow)
                    {
                        await Task.Delay(warmup);
                        agent = CoverageBenchmark.CoverOnceAsync(process.Pid);
                    }
                    var m = await measuring;
                    if (agent is not null)
                    {
                        var (seconds, _) = await agent;
                        agentSeconds.Add(seconds);
                        if (seconds > settings.Seconds)
                        {
                            Log.Info($"warning: the coverage run took {seconds:F1} s, longer than the measured {settings.Seconds} s: raise --seconds");
                        }
                    }
                    samples[condition].Add(m);
                    Log.Info(string.Create(CultureInfo.InvariantCulture,
                        $"rep {rep + 1} {Name(condition)}: {m.RequestsPerSecond:F1} req/s, target {m.Cores[0]:F2} cores, others {m.OtherCores:F2}"));
                }
            }

            // The window's own cost, on the idle plain copy: CPU across a run minus the same wall time without one.
            var windowCpuMs = new List<double>();
            for (var i = 0; i < settings.CostRuns; i++)
            {
                var before = ProcFs.CpuSeconds(plain.Process.Pid);
                var (seconds, _) = await CoverageBenchmark.CoverOnceAsync(plain.Process.Pid);
                var cost = ProcFs.CpuSeconds(plain.Process.Pid) - before;
                var idleBefore = ProcFs.CpuSeconds(plain.Process.Pid);
                await Task.Delay(TimeSpan.FromSeconds(seconds));
                var idle = ProcFs.CpuSeconds(plain.Process.Pid) - idleBefore;
                windowCpuMs.Add((cost - idle) * 1000);
            }
            using var probeClient = new HttpClient { BaseAddress = plain.Url, Timeout = TimeSpan.FromSeconds(30) };
            using var stop = new CancellationTokenSource();
            var probes = CoverageBenchmark.ProbeAsync(probeClient, "/", stop.Token);
            await CoverageBenchmark.CoverOnceAsync(plain.Process.Pid);
            await stop.CancelAsync();
            var pauseMs = (await probes).Max();

            // Graceful stops: coverlet writes its hits at process exit, then its reports.
            await plain.Process.StopAsync(TimeSpan.FromSeconds(30));
            await sh.Process.StopAsync(TimeSpan.FromSeconds(30));
            await cd.Process.StopAsync(TimeSpan.FromSeconds(30));
            await singleHit.ReportAsync();
            var cdTable = await counts.ReportAsync();
            Log.Result($"# coverlet SingleHit report {singleHit.Report}: {LineCounts(singleHit.Report)}; default report {counts.Report}: {LineCounts(counts.Report)}");
            foreach (var line in cdTable)
            {
                Log.Info(line);
            }
            if (settings.Report is { } copy)
            {
                File.Copy(counts.Report, Path.GetFullPath(copy), overwrite: true);
                Log.Result($"# coverlet default report copied to {Path.GetFullPath(copy)}");
            }
            return Summarise(settings, samples, windowCpuMs, agentSeconds, pauseMs);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Summarise(CoverletSettings settings, Dictionary<Condition, List<Measurement>> samples, List<double> windowCpuMs, List<double> agentSeconds, double pauseMs)
    {
        var baseline = samples[Condition.Baseline];
        Log.Result("");
        Log.Result($"{"condition",-20} {"req/s median (min-max)",-26} {"paired ratio (min-max)",-24} {"target CPU-ms/request",21} {"others",6}");
        var ratio = new Dictionary<Condition, double>();
        var cpuPerRequest = new Dictionary<Condition, double>();
        foreach (var condition in Enum.GetValues<Condition>())
        {
            var list = samples[condition];
            var ratios = list.Zip(baseline, (s, b) => s.RequestsPerSecond / b.RequestsPerSecond).ToList();
            ratio[condition] = Stats.Median(ratios);
            cpuPerRequest[condition] = Stats.Median(list.Select(m => m.Cores[0] / m.RequestsPerSecond * 1000));
            Log.Result(string.Create(CultureInfo.InvariantCulture,
                $"{Name(condition),-20} {Stats.Spread(list.Select(m => m.RequestsPerSecond).ToList(), "F1"),-26} {Stats.Spread(ratios, "F3"),-24} {cpuPerRequest[condition],21:F3} {Stats.Median(list.Select(m => m.OtherCores)),6:F2}"));
        }
        var rate = Stats.Median(baseline.Select(m => m.RequestsPerSecond));
        var windowMs = Stats.Median(windowCpuMs);
        var agentPerHourMs = windowMs * settings.WindowsPerHour;
        // coverlet covers an hour only by running instrumented all hour: its extra CPU per request over an hour of requests.
        var singleHitPerHourMs = (cpuPerRequest[Condition.CoverletSingleHit] - cpuPerRequest[Condition.Baseline]) * rate * 3600;
        var defaultPerHourMs = (cpuPerRequest[Condition.CoverletDefault] - cpuPerRequest[Condition.Baseline]) * rate * 3600;
        // A window costs (1 - ratio) of the throughput while it runs; averaged over its share of the schedule's period.
        var windowLoss = Math.Max(0, 1 - ratio[Condition.AgentWindow]) * settings.Seconds / (3600.0 / settings.WindowsPerHour);
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"coverage window: target CPU {Stats.Spread(windowCpuMs, "F0")} ms per run (idle target), run wall time {Stats.Spread(agentSeconds, "F1")} s, slowest GET / during a run {pauseMs:F1} ms"));
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"per hour of coverage at {rate:F1} req/s: agent {agentPerHourMs:F0} CPU-ms ({settings.WindowsPerHour} window(s)); coverlet SingleHit {singleHitPerHourMs:F0} CPU-ms; coverlet default {defaultPerHourMs:F0} CPU-ms"));
        return string.Create(CultureInfo.InvariantCulture,
            $"coverlet vs coverage window: throughput coverlet SingleHit {ratio[Condition.CoverletSingleHit]:F3}x, coverlet default {ratio[Condition.CoverletDefault]:F3}x, " +
            $"during a window {ratio[Condition.AgentWindow]:F3}x ({windowLoss * 100:F4} % averaged over the schedule); " +
            $"per hour of coverage the window is {singleHitPerHourMs / agentPerHourMs:F0}x cheaper than coverlet SingleHit, {defaultPerHourMs / agentPerHourMs:F0}x than default (target CPU)");
    }

    private static async Task<(ChildProcess Process, Uri Url)> StartAsync(string directory, string name, int rounds)
    {
        var port = FreePorts.Take();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var process = ChildProcess.StartDotnet($"deadcode {name}", Path.Combine(directory, MainDll), ["--urls", url.ToString().TrimEnd('/')]);
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                (await client.GetAsync("/")).EnsureSuccessStatusCode();
                break;
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromMinutes(1) && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
        // Warm to tier 1 (30 calls and a background re-JIT) so no condition measures the JIT.
        for (var i = 0; i < 60; i++)
        {
            (await client.GetAsync($"/work?rounds={rounds}")).EnsureSuccessStatusCode();
        }
        Log.Info($"{name}: pid {process.Pid} on {url}");
        return (process, new Uri(url, $"/work?rounds={rounds}"));
    }

    private static string LineCounts(string report)
    {
        var root = System.Xml.Linq.XDocument.Load(report).Root!;
        return $"lines-valid {root.Attribute("lines-valid")?.Value}, lines-covered {root.Attribute("lines-covered")?.Value}";
    }

    private static string Name(Condition condition) => condition switch
    {
        Condition.Baseline => "no session",
        Condition.AgentWindow => "coverage window",
        Condition.CoverletSingleHit => "coverlet SingleHit",
        _ => "coverlet default",
    };
}
