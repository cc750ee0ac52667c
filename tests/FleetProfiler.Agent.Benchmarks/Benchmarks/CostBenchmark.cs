using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

/// <param name="BaselineAgent">Another agent build (e.g. main's, copied aside) run interleaved with this one: ratios against it.</param>
/// <param name="Environment">Extra variables for this build's runs only (<c>--env K=V,K=V</c>): runtime knobs to try.</param>
/// <param name="Daemon">
/// <c>--daemon</c>: also measure the agent as it runs in production, a daemon taking scheduled windows (see
/// <see cref="DaemonCostBenchmark"/>); the one-shot runs of the same kinds are the in-run comparison.
/// </param>
/// <param name="Windows">Daemon mode: steady windows measured per kind, after <paramref name="WarmupWindows"/>.</param>
/// <param name="Every">Daemon mode: the schedule's period in seconds (one window per period at a jittered start).</param>
/// <param name="Agent">Daemon mode: the build measured as "this build" (<c>--agent DLL</c>; default this repository's Release build).</param>
public sealed record CostSettings(int Runs, int Seconds, int Load, IReadOnlyList<string> Kinds, string? BaselineAgent,
    IReadOnlyDictionary<string, string> Environment, bool Daemon = false, int Windows = 5, int WarmupWindows = 3, int Every = 15,
    string? Agent = null)
{
    public static CostSettings Read(CommandLineOptions options)
    {
        var daemon = options.Flag("daemon");
        var seconds = options.Int("seconds", 10, 1, 600);
        return new(
            options.Int("runs", 3, 1, 50),
            seconds,
            options.Int("load", 4, 0, 64),
            (options.String("kinds") ?? (daemon ? "cpu,alloc,coverage" : "cpu,alloc")).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            options.String("baseline-agent") is { } dll ? Path.GetFullPath(dll) : null,
            (options.String("env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : ""),
            daemon,
            options.Int("windows", 5, 1, 100),
            options.Int("warmup-windows", 3, 0, 50),
            options.Int("every", seconds + 5, seconds + 2, 3600),
            daemon && options.String("agent") is { } agent ? Path.GetFullPath(agent) : null);
    }
}

/// <summary>
/// What one one-shot window costs the agent process on a busy service: CPU seconds from start to exit (getrusage of
/// the waited-for child: exact, start-up included) and peak RSS (VmHWM of /proc/PID/status, polled until the exit).
/// </summary>
public static partial class CostBenchmark
{
    public const long TargetPeakBytes = 64L * 1024 * 1024;

    internal sealed record Run(string Kind, bool Baseline, double CpuSeconds, long PeakBytes, double WallSeconds, double? SelfReportedMB, double? WindowCpuSeconds, string Window);

    public static async Task<string> RunAsync(CostSettings settings)
    {
        if (settings.Daemon)
        {
            return await DaemonCostBenchmark.RunAsync(settings);
        }
        Log.Result($"# demo with --load {settings.Load}; agent --once --seconds {settings.Seconds}; kinds {string.Join(", ", settings.Kinds)} interleaved, {settings.Runs} runs each"
            + (settings.BaselineAgent is null ? "" : $"; baseline agent {settings.BaselineAgent} interleaved")
            + (settings.Environment.Count == 0 ? "" : $"; this build with {string.Join(" ", settings.Environment.Select(kv => $"{kv.Key}={kv.Value}"))}"));
        if (settings.BaselineAgent is not null && !File.Exists(settings.BaselineAgent))
        {
            throw new InvalidOperationException($"--baseline-agent {settings.BaselineAgent}: no such file");
        }
        await using var demo = await BenchmarkDemo.StartAsync(samplingRateMs: null, settings.Load);
        Log.Info("letting the demo's own load warm it up for 5 s");
        await Task.Delay(TimeSpan.FromSeconds(5));

        var runs = new List<Run>();
        for (var i = 0; i < settings.Runs; i++)
        {
            foreach (var (kind, baseline) in settings.Kinds.SelectMany(k => settings.BaselineAgent is null
                ? new[] { (k, false) }
                : i % 2 == 0 ? [(k, true), (k, false)] : [(k, false), (k, true)]))
            {
                var run = await MeasureAsync(demo, kind, settings.Seconds, baseline ? settings.BaselineAgent : null,
                    baseline ? null : settings.Environment, baseline);
                runs.Add(run);
                Log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"run {i + 1}/{settings.Runs} {kind,-5}{(baseline ? " baseline" : "")}: CPU {run.CpuSeconds:F2} s, peak RSS {run.PeakBytes / 1048576.0:F1} MB, {run.WallSeconds:F1} s start to exit " +
                    $"(agent's own log: {run.SelfReportedMB?.ToString("F1", CultureInfo.InvariantCulture) ?? "?"} MB, {run.WindowCpuSeconds?.ToString("F2", CultureInfo.InvariantCulture) ?? "?"} s CPU in CollectAsync; {run.Window})"));
            }
        }

        Log.Result("");
        Log.Result($"{"kind",-15} {"CPU s (start→exit) median (min-max)",-36} {"peak RSS MB median (min-max)",-30} {"wall s",7} {"CPU s in window (agent log)",28}");
        var headline = new List<string>();
        foreach (var kind in settings.Kinds)
        {
            var mine = runs.Where(r => r.Kind == kind && !r.Baseline).ToList();
            var cpu = mine.Select(r => r.CpuSeconds).ToList();
            var rss = mine.Select(r => r.PeakBytes / 1048576.0).ToList();
            Row(kind, mine);
            var versus = "";
            if (settings.BaselineAgent is not null)
            {
                var baseline = runs.Where(r => r.Kind == kind && r.Baseline).ToList();
                Row($"{kind} baseline", baseline);
                // Paired by run: each run of this build against the baseline run next to it.
                var cpuRatio = mine.Zip(baseline, (a, b) => a.CpuSeconds / b.CpuSeconds).ToList();
                var rssRatio = mine.Zip(baseline, (a, b) => a.PeakBytes / (double)b.PeakBytes).ToList();
                Log.Result(string.Create(CultureInfo.InvariantCulture,
                    $"{kind + " / baseline",-15} CPU {Stats.Spread(cpuRatio)}, peak RSS {Stats.Spread(rssRatio)} (paired per run)"));
                versus = string.Create(CultureInfo.InvariantCulture,
                    $" ({Stats.Median(cpuRatio):F2}x and {Stats.Median(rssRatio):F2}x of baseline {Stats.Median(baseline.Select(r => r.CpuSeconds)):F2} s, {Stats.Median(baseline.Select(r => r.PeakBytes / 1048576.0)):F0} MB)");
            }
            headline.Add(string.Create(CultureInfo.InvariantCulture, $"{kind} {Stats.Median(cpu):F2} s CPU, peak RSS {Stats.Median(rss):F0} MB{versus}"));
        }
        var worst = runs.Where(r => !r.Baseline).Max(r => r.PeakBytes);
        var verdict = worst <= TargetPeakBytes ? "target <= 64 MB met" : $"target <= 64 MB NOT met (max {worst / 1048576.0:F0} MB)";
        return $"agent cost per {settings.Seconds} s window (median of {settings.Runs}): {string.Join("; ", headline)}; {verdict}";
    }

    internal static void Row(string label, List<Run> runs) =>
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"{label,-15} {Stats.Spread(runs.Select(r => r.CpuSeconds).ToList()),-36} {Stats.Spread(runs.Select(r => r.PeakBytes / 1048576.0).ToList(), "F1"),-30} {Stats.Median(runs.Select(r => r.WallSeconds)),7:F1} {Stats.Median(runs.Select(r => r.WindowCpuSeconds ?? double.NaN)),28:F2}"));

    internal static async Task<Run> MeasureAsync(DemoProcess demo, string kind, int seconds, string? agentDll, IReadOnlyDictionary<string, string>? environment,
        bool baseline)
    {
        var childrenCpuBefore = Libc.ChildrenCpuSeconds();
        var clock = Stopwatch.StartNew();
        await using var agent = AgentWindow.Start(demo.Pid, kind, seconds, agentDll, environment);
        long peak = 0;
        var exited = agent.WaitForExitAsync(TimeSpan.FromSeconds(seconds + 180));
        while (!exited.IsCompleted)
        {
            // VmHWM only grows: the last read before the exit is the peak (the exit itself frees, it does not map).
            peak = Math.Max(peak, ProcFs.StatusBytes(agent.Pid, "VmHWM"));
            await Task.WhenAny(exited, Task.Delay(20));
        }
        var exit = await exited;
        var wall = clock.Elapsed.TotalSeconds;
        // The child has been waited for (reaped) once WaitForExit returned: its times are in RUSAGE_CHILDREN.
        var cpu = Libc.ChildrenCpuSeconds() - childrenCpuBefore;
        if (exit != 0)
        {
            throw new InvalidOperationException($"the agent exited with code {exit}:\n{agent.StderrTail()}");
        }

        var log = string.Join("\n", agent.StderrLines);
        var self = SelfReport().Match(log);
        var window = WindowLine().Match(log);
        var coverage = CoverageLine().Match(log);
        return new Run(kind, baseline, cpu, peak, wall,
            self.Success ? double.Parse(self.Groups[1].Value, CultureInfo.InvariantCulture) : null,
            self.Success ? double.Parse(self.Groups[2].Value, CultureInfo.InvariantCulture)
                : coverage.Success ? double.Parse(coverage.Groups[2].Value, CultureInfo.InvariantCulture) : null,
            window.Success ? window.Groups[1].Value
                : coverage.Success ? coverage.Groups[1].Value : "no window line in the agent's log");
    }

    // OneShotCommand: "Agent peak RSS {PeakMB:F1} MB (VmHWM), CPU {Cpu:F2} s for this window"
    [GeneratedRegex(@"Agent peak RSS ([0-9.]+) MB \(VmHWM\), CPU ([0-9.]+) s")]
    private static partial Regex SelfReport();

    // WindowCollector: "Window of pid N: 38 stacks, 1387 cpu / 15295 wall samples, 0.0 MB allocated (est.), ..."
    [GeneratedRegex(@"Window of pid \d+: ([^,]+ stacks, [^,]+ samples, [0-9.]+ MB allocated)")]
    internal static partial Regex WindowLine();

    // CoverageCollector: "Coverage of demo (pid N): … 95 methods: 41 live, 2 dead-certain, 52 dead-probable; … trace 3380 KB; …; agent CPU 0.23 s"
    [GeneratedRegex(@"Coverage of .* \(pid \d+\): .*?(\d+ methods: [^;]+); .*?agent CPU ([0-9.]+) s")]
    internal static partial Regex CoverageLine();
}
