using System.Globalization;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

public sealed record OverheadSettings(int Reps, int Seconds, int Clients, IReadOnlyList<int> RatesMs, string Path, string? DotnetTracePath)
{
    public static OverheadSettings Read(CommandLineOptions options) => new(
        options.Int("reps", 5, 1, 100),
        options.Int("seconds", 5, 1, 120),
        options.Int("clients", 4, 1, 256),
        options.Ints("rates", [1, 10]),
        options.String("path") ?? "/cpu",
        options.String("dotnet-trace"));
}

/// <summary>
/// Throughput of the demo's CPU-bound endpoint while nothing profiles it, while the agent's cpu window runs, and while
/// <c>dotnet-trace collect</c> runs with the same providers — interleaved, per sampling rate. Only the interval inside
/// the EventPipe session counts: its start is seen in the target itself (the session's threads appear), so the agent
/// and dotnet-trace are timed by the same rule.
/// </summary>
public static class OverheadBenchmark
{
    public enum Condition { Baseline, Agent, DotnetTrace }

    /// <summary>Threads the runtime names ".NET EventPipe": the diagnostics server's, plus a session's streaming and sampling threads.</summary>
    internal const string EventPipeThread = ".NET EventPipe";

    private static readonly TimeSpan Ramp = TimeSpan.FromMilliseconds(300);

    /// <summary>Intervals in which the rest of the machine used less CPU than this count as quiet.</summary>
    private const double QuietOtherCores = 0.2;

    public static async Task<string> RunAsync(OverheadSettings settings)
    {
        var dotnetTrace = await DotnetTrace.EnsureInstalledAsync(settings.DotnetTracePath);
        Log.Result($"# {settings.Clients} closed-loop clients on GET {settings.Path}, {settings.Reps} reps x {settings.Seconds} s per condition, " +
                   $"conditions interleaved (order rotated per rep); agent window / dotnet-trace duration {WindowSeconds(settings)} s, measured from {Ramp.TotalMilliseconds:F0} ms after the session's threads appear");
        Log.Result($"# dotnet-trace {DotnetTrace.Version}: --providers {DotnetTrace.CpuWindowProviders} --buffersize {DotnetTrace.BufferSizeMB}");

        var perRate = new List<(int Rate, Dictionary<Condition, List<Measurement>> Samples)>();
        foreach (var rate in settings.RatesMs)
        {
            perRate.Add((rate, await RunRateAsync(settings, rate, dotnetTrace)));
        }

        Log.Result("");
        Log.Result("paired ratio = median over reps of (condition / no session of the same rep); per CPU-s = requests per CPU-second of the demo + the profiler process; cores = median CPU use during the measured intervals");
        Log.Result($"{"rate",-15} {"condition",-12} {"req/s median (min-max)",-24} {"paired ratio (min-max)",-24} {"per CPU-s ratio (min-max)",-26} {"demo",5} {"loadgen",7} {"profiler",8} {"others",6}");
        var headline = new List<string>();
        var perCpu = new List<string>();
        foreach (var (rate, samples) in perRate)
        {
            var ratios = new Dictionary<Condition, List<double>>();
            var efficiencies = new Dictionary<Condition, List<double>>();
            foreach (var condition in Enum.GetValues<Condition>())
            {
                var list = samples[condition];
                var baseline = samples[Condition.Baseline];
                ratios[condition] = list.Zip(baseline, (s, b) => s.RequestsPerSecond / b.RequestsPerSecond).ToList();
                var efficiency = efficiencies[condition] = list.Zip(baseline, (s, b) => s.RequestsPerCpuSecond / b.RequestsPerCpuSecond).ToList();
                var isBaseline = condition == Condition.Baseline;
                Log.Result(string.Create(CultureInfo.InvariantCulture,
                    $"{RateLabel(rate),-15} {Name(condition),-12} {Stats.Spread(list.Select(s => s.RequestsPerSecond).ToList(), "F1"),-24} " +
                    $"{(isBaseline ? "1" : Stats.Spread(ratios[condition], "F3")),-24} {(isBaseline ? "1" : Stats.Spread(efficiency, "F3")),-26} " +
                    $"{Stats.Median(list.Select(s => s.Cores[0])),5:F2} {Stats.Median(list.Select(s => s.LoadGeneratorCores)),7:F2} " +
                    $"{(isBaseline ? "-" : Stats.Median(list.Select(s => s.Cores[1])).ToString("F2", CultureInfo.InvariantCulture)),8} " +
                    $"{Stats.Median(list.Select(s => s.OtherCores)),6:F2}"));
            }
            Log.Result($"{RateLabel(rate),-15} {QuietLine(samples)}");
            var agent = Stats.Median(ratios[Condition.Agent]);
            var trace = Stats.Median(ratios[Condition.DotnetTrace]);
            Log.Result(string.Create(CultureInfo.InvariantCulture,
                $"{RateLabel(rate),-15} agent / dotnet-trace (paired): {Stats.Spread(samples[Condition.Agent].Zip(samples[Condition.DotnetTrace], (a, t) => a.RequestsPerSecond / t.RequestsPerSecond).ToList(), "F3")}"));
            headline.Add(string.Create(CultureInfo.InvariantCulture, $"agent {agent:F2}x, dotnet-trace {trace:F2}x of baseline at {rate} ms"));
            perCpu.Add(string.Create(CultureInfo.InvariantCulture,
                $"agent {Stats.Median(efficiencies[Condition.Agent]):F2}x, dotnet-trace {Stats.Median(efficiencies[Condition.DotnetTrace]):F2}x at {rate} ms"));
        }
        var others = Stats.Median(perRate.SelectMany(r => r.Samples.Values.SelectMany(l => l)).Select(m => m.OtherCores));
        if (others > QuietOtherCores)
        {
            Log.Result(string.Create(CultureInfo.InvariantCulture,
                $"# WARNING: other processes used a median {others:F2} of {Environment.ProcessorCount} cores while measuring: throughput ratios are noisy; see the per CPU-s column"));
        }
        var busy = others > QuietOtherCores
            ? string.Create(CultureInfo.InvariantCulture, $"; host busy: others used {others:F2} of {Environment.ProcessorCount} cores, throughput ratios unreliable")
            : "";
        return "window overhead: " + string.Join("; ", headline) + " (requests per CPU-second: " + string.Join("; ", perCpu) + ")" + busy;
    }

    private static async Task<Dictionary<Condition, List<Measurement>>> RunRateAsync(OverheadSettings settings, int rate, string dotnetTrace)
    {
        var samples = Enum.GetValues<Condition>().ToDictionary(c => c, _ => new List<Measurement>());
        // 1 ms is the runtime's default: leave the variable unset so that the default itself is measured.
        await using var demo = await BenchmarkDemo.StartAsync(rate == 1 ? null : rate, load: 0);
        await using var load = new ClosedLoopLoad(new Uri(demo.BaseAddress, settings.Path), settings.Clients);

        var warm = await load.MeasureAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), demo.Pid);
        Log.Info(string.Create(CultureInfo.InvariantCulture, $"warm-up: {warm.RequestsPerSecond:F1} req/s, demo {warm.Cores[0]:F2} cores"));
        var idleThreads = ProcFs.CountThreads(demo.Pid, EventPipeThread);

        var order = Enum.GetValues<Condition>();
        for (var rep = 0; rep < settings.Reps; rep++)
        {
            for (var i = 0; i < order.Length; i++)
            {
                var condition = order[(i + rep) % order.Length];
                var m = await MeasureAsync(condition, settings, demo, load, idleThreads, dotnetTrace);
                samples[condition].Add(m);
                Log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"{RateLabel(rate)} rep {rep + 1}/{settings.Reps} {Name(condition),-12} {m.RequestsPerSecond,7:F1} req/s ({m.Requests} in {m.Seconds:F2} s; " +
                    $"demo {m.Cores[0]:F2} cores, load generator {m.LoadGeneratorCores:F2}{(m.Cores.Length > 1 ? $", profiler {m.Cores[1]:F2}" : "")}, others {m.OtherCores:F2})"));
            }
        }
        if (load.Failed > 0)
        {
            Log.Info($"{load.Failed} load requests failed at {RateLabel(rate)}");
        }
        return samples;
    }

    private static async Task<Measurement> MeasureAsync(
        Condition condition, OverheadSettings settings, DemoProcess demo, ClosedLoopLoad load, int idleThreads, string dotnetTrace)
    {
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        if (condition == Condition.Baseline)
        {
            return await load.MeasureAsync(Ramp, duration, demo.Pid);
        }

        var tracePath = Path.Combine(Path.GetTempPath(), $"fleetprofiler-agent-bench-{demo.Pid}-{Guid.NewGuid():N}.nettrace");
        await using var profiler = condition == Condition.Agent
            ? AgentWindow.Start(demo.Pid, "cpu", WindowSeconds(settings))
            : DotnetTrace.Start(dotnetTrace, demo.Pid, WindowSeconds(settings), tracePath);
        try
        {
            await WaitForSessionAsync(demo.Pid, idleThreads, profiler);
            var measurement = await load.MeasureAsync(Ramp, duration, demo.Pid, profiler.Pid);
            if (profiler.HasExited || ProcFs.CountThreads(demo.Pid, EventPipeThread) < idleThreads + 2)
            {
                throw new InvalidOperationException(
                    $"{profiler.Name}'s session ended before the measured interval did (window {WindowSeconds(settings)} s); measurement discarded");
            }
            var exit = await profiler.WaitForExitAsync(TimeSpan.FromSeconds(120));
            if (exit != 0)
            {
                throw new InvalidOperationException($"{profiler.Name} exited with code {exit}:\n{profiler.StderrTail()}");
            }
            await WaitForThreadsAsync(demo.Pid, idleThreads);
            return measurement;
        }
        finally
        {
            File.Delete(tracePath);
        }
    }

    /// <summary>
    /// Throughput ratios from quiet intervals only (unpaired medians): on a shared host the paired ratios mix in other
    /// people's load, and quiet intervals are the closest this run got to the intended measurement.
    /// </summary>
    private static string QuietLine(Dictionary<Condition, List<Measurement>> samples)
    {
        List<double> Quiet(Condition c) => samples[c].Where(m => m.OtherCores < QuietOtherCores).Select(m => m.RequestsPerSecond).ToList();
        var baseline = Quiet(Condition.Baseline);
        var parts = new[] { Condition.Agent, Condition.DotnetTrace }.Select(c =>
        {
            var quiet = Quiet(c);
            return baseline.Count == 0 || quiet.Count == 0
                ? $"{Name(c)} n/a (n={quiet.Count} vs {baseline.Count})"
                : string.Create(CultureInfo.InvariantCulture, $"{Name(c)} {Stats.Median(quiet) / Stats.Median(baseline):F3}x (n={quiet.Count} vs {baseline.Count})");
        });
        return string.Create(CultureInfo.InvariantCulture, $"quiet intervals only (others < {QuietOtherCores} cores), throughput vs no session: {string.Join(", ", parts)}");
    }

    /// <summary>Window length: the measured interval plus the ramp plus slack for detecting the session's start.</summary>
    private static int WindowSeconds(OverheadSettings settings) => settings.Seconds + 1;

    /// <summary>Waits until the target runs the session's streaming and sampling threads (the sampler is running).</summary>
    internal static async Task WaitForSessionAsync(int pid, int idleThreads, ChildProcess profiler)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (ProcFs.CountThreads(pid, EventPipeThread) < idleThreads + 2)
        {
            if (profiler.HasExited)
            {
                throw new InvalidOperationException($"{profiler.Name} exited (code {profiler.ExitCode}) before its session started:\n{profiler.StderrTail()}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{profiler.Name} did not start an EventPipe session in the target within 30 s:\n{profiler.StderrTail()}");
            }
            await Task.Delay(5);
        }
    }

    internal static async Task WaitForThreadsAsync(int pid, int idleThreads)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (ProcFs.CountThreads(pid, EventPipeThread) > idleThreads && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    private static string RateLabel(int rate) => rate == 1 ? "1 ms (default)" : $"{rate} ms";

    private static string Name(Condition condition) => condition switch
    {
        Condition.Baseline => "no session",
        Condition.Agent => "agent",
        _ => "dotnet-trace",
    };
}
