using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

/// <summary>
/// <c>cost --daemon</c>: what a window costs the agent where it runs in production, a daemon taking scheduled windows,
/// against one-shot windows of the same kinds on the same demo in the same run. Per kind, a fresh daemon with one
/// schedule (<c>--Agent:Schedules:0:Kind=kind, Every=--every</c>), the demo as its only target (a private TMPDIR), the
/// gateway unreachable (windows stay in the spool), request metrics on as in production. Window boundaries come from the
/// daemon's own log lines (<c>schedule cpu, period N: profiling demo/PID</c> … <c>schedule cpu finished:</c>): the
/// agent's CPU clock (utime + stime, to the nanosecond) is read as each line arrives, so each window's CPU and the idle
/// CPU between windows are separate. VmRSS is polled every 50 ms; VmHWM (never reset) is read at each boundary.
/// </summary>
public static partial class DaemonCostBenchmark
{
    public const double TargetCpuSeconds = 0.2;

    /// <param name="GapSeconds">Wall time since the previous window ended (NaN for the daemon's first window).</param>
    /// <param name="GapCpuSeconds">The agent's CPU in that gap: idle work (request metrics, discovery, timers).</param>
    /// <param name="MaxRssMB">Highest VmRSS polled during the window (and at its end).</param>
    /// <param name="SelfCpuSeconds">The agent's own figure from its window line (CPU inside the collector only).</param>
    private sealed record Window(int Index, double WallSeconds, double CpuSeconds, double GapSeconds, double GapCpuSeconds,
        double RssEndMB, double HwmStartMB, double HwmEndMB, double MaxRssMB, double? SelfCpuSeconds, string Detail);

    /// <param name="StartupCpuSeconds">The agent's CPU from start to its first window.</param>
    /// <param name="IdleCoreShare">CPU seconds per second between the steady windows (sum over the gaps before them).</param>
    private sealed record Phase(string Kind, string Label, List<Window> Steady, double StartupCpuSeconds, double IdleCoreShare,
        double HwmMB, double AnonMB, double FileMB)
    {
        public List<double> Cpu => Steady.Select(w => w.CpuSeconds).ToList();

        /// <summary>Window CPU less what the agent spends idle over the same wall time (the metrics session keeps running).</summary>
        public List<double> NetCpu => Steady.Select(w => w.CpuSeconds - IdleCoreShare * w.WallSeconds).ToList();

        public double HwmBeforeMB => Steady[0].HwmStartMB;

        public double SteadyMaxRssMB => Steady.Max(w => w.MaxRssMB);

        public List<double> RssBetween => Steady.Select(w => w.RssEndMB).ToList();
    }

    public static async Task<string> RunAsync(CostSettings settings)
    {
        Log.Result($"# demo with --load {settings.Load}; per kind ({string.Join(", ", settings.Kinds)}) a fresh agent daemon with one schedule: a {settings.Seconds} s window every {settings.Every} s (jittered start), "
            + $"{settings.WarmupWindows} warm-up + {settings.Windows} measured windows; private TMPDIR, gateway unreachable (windows stay in the spool), request metrics on; "
            + $"one-shot (--once) {settings.Runs} runs per kind on the same demo first"
            + (settings.Agent is null ? "" : $"; this build: {settings.Agent}")
            + (settings.BaselineAgent is null ? "" : $"; baseline agent {settings.BaselineAgent} interleaved")
            + (settings.Environment.Count == 0 ? "" : $"; this build with {string.Join(" ", settings.Environment.Select(kv => $"{kv.Key}={kv.Value}"))}"));
        if (settings.BaselineAgent is not null && !File.Exists(settings.BaselineAgent))
        {
            throw new InvalidOperationException($"--baseline-agent {settings.BaselineAgent}: no such file");
        }
        if (settings.Agent is not null && !File.Exists(settings.Agent))
        {
            throw new InvalidOperationException($"--agent {settings.Agent}: no such file");
        }
        using var tmp = new TempDirectory("fleetprofiler-cost-daemon");
        var shared = new Dictionary<string, string> { ["TMPDIR"] = tmp.Path };
        var mine = new Dictionary<string, string>(shared.Concat(settings.Environment));
        await using var demo = await BenchmarkDemo.StartAsync(samplingRateMs: null, settings.Load, shared);
        Log.Info("letting the demo's own load warm it up for 5 s");
        await Task.Delay(TimeSpan.FromSeconds(5));

        var oneShot = new List<CostBenchmark.Run>();
        for (var i = 0; i < settings.Runs; i++)
        {
            foreach (var (kind, baseline) in Builds(settings, i))
            {
                var run = await CostBenchmark.MeasureAsync(demo, kind, settings.Seconds, baseline ? settings.BaselineAgent : settings.Agent, baseline ? shared : mine, baseline);
                oneShot.Add(run);
                Log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"one-shot {i + 1}/{settings.Runs} {kind,-8}{(baseline ? " baseline" : "")}: CPU {run.CpuSeconds:F2} s, peak RSS {run.PeakBytes / 1048576.0:F1} MB ({run.WindowCpuSeconds?.ToString("F2", CultureInfo.InvariantCulture) ?? "?"} s in the collector; {run.Window})"));
            }
        }

        var phases = new List<Phase>();
        for (var k = 0; k < settings.Kinds.Count; k++)
        {
            foreach (var (kind, baseline) in Builds(settings, k).Where(b => b.Kind == settings.Kinds[k]))
            {
                phases.Add(await MeasureDaemonAsync(demo.Pid, kind, baseline ? "baseline" : "this build",
                    baseline ? settings.BaselineAgent! : settings.Agent ?? Repo.AgentDll, baseline ? shared : mine, settings, tmp.Path));
            }
        }

        Log.Result("");
        Log.Result("one-shot (--once), start to exit:");
        Log.Result($"{"kind",-18} {"CPU s (start→exit) median (min-max)",-36} {"peak RSS MB median (min-max)",-30} {"wall s",7} {"CPU s in window (agent log)",28}");
        foreach (var kind in settings.Kinds)
        {
            CostBenchmark.Row(kind, oneShot.Where(r => r.Kind == kind && !r.Baseline).ToList());
            if (settings.BaselineAgent is not null)
            {
                CostBenchmark.Row($"{kind} baseline", oneShot.Where(r => r.Kind == kind && r.Baseline).ToList());
            }
        }
        Log.Result("");
        Log.Result($"daemon, per steady window (median (min-max) of {settings.Windows}); idle = the agent between windows; RSS: VmHWM after the warm-up → at the end (never reset), highest VmRSS polled in the steady windows, VmRSS after each window:");
        Log.Result($"{"kind",-18} {"CPU s per window",-20} {"net of idle",-20} {"in collector",13} {"wall s",7} {"idle %core",10} {"start-up CPU s",15} {"VmHWM MB",14} {"steady max RSS",15} {"RSS after window",22}");
        foreach (var p in phases)
        {
            Log.Result(string.Create(CultureInfo.InvariantCulture,
                $"{p.Kind + (p.Label == "baseline" ? " baseline" : ""),-18} {Stats.Spread(p.Cpu),-20} {Stats.Spread(p.NetCpu),-20} {Stats.Median(p.Steady.Select(w => w.SelfCpuSeconds ?? double.NaN)),13:F2} {Stats.Median(p.Steady.Select(w => w.WallSeconds)),7:F1} {100 * p.IdleCoreShare,10:F3} {p.StartupCpuSeconds,15:F2} {$"{p.HwmBeforeMB:F1} → {p.HwmMB:F1}",14} {p.SteadyMaxRssMB,15:F1} {Stats.Spread(p.RssBetween, "F1"),22}"));
        }

        var headline = new List<string>();
        foreach (var kind in settings.Kinds)
        {
            var p = phases.Single(x => x.Kind == kind && x.Label != "baseline");
            var once = oneShot.Where(r => r.Kind == kind && !r.Baseline).ToList();
            var onceCpu = Stats.Median(once.Select(r => r.CpuSeconds));
            var oncePeak = Stats.Median(once.Select(r => r.PeakBytes / 1048576.0));
            var versus = "";
            if (phases.SingleOrDefault(x => x.Kind == kind && x.Label == "baseline") is { } b)
            {
                versus = string.Create(CultureInfo.InvariantCulture,
                    $"; {Stats.Median(p.Cpu) / Stats.Median(b.Cpu):F2}x and {p.HwmMB / b.HwmMB:F2}x of the baseline daemon's {Stats.Median(b.Cpu):F2} s, {b.HwmMB:F0} MB");
            }
            headline.Add(string.Create(CultureInfo.InvariantCulture,
                $"{kind} {Stats.Median(p.Cpu):F2} s CPU ({Stats.Median(p.NetCpu):F2} s net of idle), peak RSS {p.HwmMB:F0} MB (steady max {p.SteadyMaxRssMB:F0}, after a window {Stats.Median(p.RssBetween):F0}) = {Stats.Median(p.Cpu) / onceCpu:F2}x and {p.HwmMB / oncePeak:F2}x of one-shot {onceCpu:F2} s, {oncePeak:F0} MB{versus}"));
        }
        var minePhases = phases.Where(p => p.Label != "baseline").ToList();
        var worstCpu = minePhases.Max(p => Stats.Median(p.Cpu));
        var worstPeak = minePhases.Max(p => p.HwmMB);
        var cpuVerdict = worstCpu <= TargetCpuSeconds ? "<= 0.2 s met" : string.Create(CultureInfo.InvariantCulture, $"<= 0.2 s NOT met (max {worstCpu:F2} s)");
        var rssVerdict = worstPeak <= CostBenchmark.TargetPeakBytes / 1048576.0 ? "<= 64 MB met" : string.Create(CultureInfo.InvariantCulture, $"<= 64 MB NOT met (max {worstPeak:F0} MB)");
        return $"agent daemon cost per {settings.Seconds} s window (median of {settings.Windows} after {settings.WarmupWindows}, one every {settings.Every} s): {string.Join("; ", headline)}; targets {cpuVerdict}, {rssVerdict}";
    }

    /// <summary>Per kind, this build alone or with the baseline (baseline first on even turns, second on odd ones).</summary>
    private static IEnumerable<(string Kind, bool Baseline)> Builds(CostSettings settings, int turn) =>
        settings.Kinds.SelectMany(k => settings.BaselineAgent is null
            ? new[] { (k, false) }
            : turn % 2 == 0 ? [(k, true), (k, false)] : [(k, false), (k, true)]);

    private static async Task<Phase> MeasureDaemonAsync(int demoPid, string kind, string label, string agentDll,
        IReadOnlyDictionary<string, string> environment, CostSettings settings, string workDirectory)
    {
        var spool = Path.Combine(workDirectory, $"spool-{kind}-{(label == "baseline" ? "baseline" : "this")}");
        var total = settings.WarmupWindows + settings.Windows;
        var tracker = new WindowTracker(kind, total);
        await using var agent = ChildProcess.StartProgram($"agent daemon ({kind}, {label})", agentDll,
        [
            "--Agent:AgentId=bench", "--Agent:Host=bench", "--Agent:Token=bench-token-0123456789",
            "--Agent:GatewayUrl=http://127.0.0.1:1", $"--Agent:SpoolDirectory={spool}", "--Agent:Include:0=demo",
            $"--Agent:Schedules:0:Kind={kind}", $"--Agent:Schedules:0:Seconds={settings.Seconds}",
            $"--Agent:Schedules:0:Every={TimeSpan.FromSeconds(settings.Every).ToString("c", CultureInfo.InvariantCulture)}",
        ], environment);
        tracker.Attach(agent);
        Log.Info($"{kind} daemon ({label}): agent pid {agent.Pid}, demo pid {demoPid}; waiting for {total} windows");

        var deadline = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds((total + 2) * settings.Every + 120);
        while (!tracker.Done.IsCompleted)
        {
            tracker.Sample(ProcFs.StatusBytes(agent.Pid, "VmRSS"));
            await Task.WhenAny(tracker.Done, Task.Delay(50));
            if (agent.HasExited)
            {
                throw new InvalidOperationException($"the {kind} daemon exited with code {agent.ExitCode}:\n{agent.StderrTail()}");
            }
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"the {kind} daemon took {tracker.Count} of {total} windows in {limit}:\n{agent.StderrTail(20)}");
            }
        }
        var windows = await tracker.Done;
        var hwm = ProcFs.StatusBytes(agent.Pid, "VmHWM") / 1048576.0;
        var anon = ProcFs.StatusBytes(agent.Pid, "RssAnon") / 1048576.0;
        var file = ProcFs.StatusBytes(agent.Pid, "RssFile") / 1048576.0;
        await agent.StopAsync();

        var steady = windows.Skip(settings.WarmupWindows).ToList();
        var gaps = steady.Where(w => !double.IsNaN(w.GapSeconds)).ToList();
        var idle = gaps.Count == 0 ? 0 : gaps.Sum(w => w.GapCpuSeconds) / gaps.Sum(w => w.GapSeconds);
        return new Phase(kind, label, steady, tracker.StartupCpuSeconds, idle, hwm, anon, file);
    }

    /// <summary>Follows the daemon's log: each window from its schedule line to its "finished" line.</summary>
    private sealed class WindowTracker(string kind, int total)
    {
        private readonly Lock _gate = new();
        private readonly List<Window> _windows = [];
        private readonly TaskCompletionSource<List<Window>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _pid;
        private (double At, double Cpu, double Hwm)? _open;
        private (double At, double Cpu)? _lastEnd;
        private double _maxRss;
        private double? _selfCpu;
        private string _detail = "";

        public Task<List<Window>> Done => _done.Task;

        public int Count { get { lock (_gate) return _windows.Count; } }

        public double StartupCpuSeconds { get; private set; } = double.NaN;

        public void Attach(ChildProcess agent)
        {
            _pid = agent.Pid;
            agent.Line += OnLine;
        }

        public void Sample(long rssBytes)
        {
            lock (_gate)
            {
                _maxRss = Math.Max(_maxRss, rssBytes / 1048576.0);
            }
        }

        private void OnLine(string line)
        {
            if (StartLine().Match(line) is { Success: true } start && start.Groups[1].Value == kind)
            {
                // Read first: the boundary is when the line arrived, not when the lock was free.
                var (at, cpu, hwm) = (_clock.Elapsed.TotalSeconds, Libc.ProcessCpuSeconds(_pid), ProcFs.StatusBytes(_pid, "VmHWM") / 1048576.0);
                lock (_gate)
                {
                    if (double.IsNaN(StartupCpuSeconds))
                    {
                        StartupCpuSeconds = cpu;
                    }
                    _open = (at, cpu, hwm);
                    _maxRss = ProcFs.StatusBytes(_pid, "VmRSS") / 1048576.0;
                    _selfCpu = null;
                    _detail = "";
                }
            }
            else if (EndLine().Match(line) is { Success: true } end && end.Groups[1].Value == kind)
            {
                var (at, cpu) = (_clock.Elapsed.TotalSeconds, Libc.ProcessCpuSeconds(_pid));
                var rss = ProcFs.StatusBytes(_pid, "VmRSS") / 1048576.0;
                var hwm = ProcFs.StatusBytes(_pid, "VmHWM") / 1048576.0;
                lock (_gate)
                {
                    if (_open is not { } open || _done.Task.IsCompleted)
                    {
                        return;
                    }
                    if (end.Groups[2].Value == "0")
                    {
                        _done.TrySetException(new InvalidOperationException($"the daemon's {kind} window {_windows.Count + 1} spooled nothing: {line}"));
                        return;
                    }
                    var window = new Window(_windows.Count + 1, at - open.At, cpu - open.Cpu,
                        _lastEnd is { } last ? open.At - last.At : double.NaN, _lastEnd is { } l ? open.Cpu - l.Cpu : double.NaN,
                        rss, open.Hwm, hwm, Math.Max(_maxRss, rss), _selfCpu, _detail);
                    _windows.Add(window);
                    _open = null;
                    _lastEnd = (at, cpu);
                    Log.Info(string.Create(CultureInfo.InvariantCulture,
                        $"{kind} window {window.Index}/{total}: CPU {window.CpuSeconds:F3} s in {window.WallSeconds:F1} s (collector {window.SelfCpuSeconds?.ToString("F2", CultureInfo.InvariantCulture) ?? "?"} s), idle before it {window.GapCpuSeconds:F3} s in {window.GapSeconds:F1} s; VmRSS max {window.MaxRssMB:F1}, after {window.RssEndMB:F1} MB, VmHWM {window.HwmEndMB:F1} MB; {window.Detail}"));
                    if (_windows.Count == total)
                    {
                        _done.TrySetResult([.. _windows]);
                    }
                }
            }
            else if (CostBenchmark.WindowLine().Match(line) is { Success: true } w)
            {
                lock (_gate)
                {
                    _detail = w.Groups[1].Value;
                    _selfCpu = SelfCpu().Match(line) is { Success: true } c ? double.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture) : null;
                }
            }
            else if (CostBenchmark.CoverageLine().Match(line) is { Success: true } c)
            {
                lock (_gate)
                {
                    _detail = c.Groups[1].Value;
                    _selfCpu = double.Parse(c.Groups[2].Value, CultureInfo.InvariantCulture);
                }
            }
        }
    }

    // ScheduledProfiling: "schedule cpu, period 119777484: profiling demo/5842"
    [GeneratedRegex(@"\] schedule ([a-z,]+), period \d+: profiling [^ ]+/\d+")]
    private static partial Regex StartLine();

    // ProfilingRuns: "schedule cpu finished: 1 window(s) spooled"; TargetRuns: "schedule coverage: finished: 1 spooled, 0 problem(s)"
    [GeneratedRegex(@"\] schedule ([a-z,]+):? finished: (\d+) ")]
    private static partial Regex EndLine();

    // WindowCollector: "…, agent CPU 0.33 s, agent peak RSS 100 MB"
    [GeneratedRegex(@"agent CPU ([0-9.]+) s")]
    private static partial Regex SelfCpu();
}
