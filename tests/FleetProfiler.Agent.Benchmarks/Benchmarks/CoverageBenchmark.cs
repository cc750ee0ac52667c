using System.Globalization;
using System.Text.RegularExpressions;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

public sealed record CoverageSettings(int Runs)
{
    public static CoverageSettings Read(CommandLineOptions options) => new(options.Int("runs", 8, 1, 100));
}

/// <summary>
/// What one coverage run (<c>agent --once --kind coverage</c>) costs the target, the demo service with no load of its
/// own: CPU (utime + stime of the demo across the run, minus the same idle interval measured just before), and the
/// pause a request sees (the slowest of back-to-back GET /rare probes while the run goes on, against the slowest over
/// an equal interval without a run). CPU runs and probe runs are separate: the probes cost CPU themselves.
/// </summary>
public static partial class CoverageBenchmark
{
    public static async Task<string> RunAsync(CoverageSettings settings)
    {
        Log.Result($"# demo with no load; agent --once --kind coverage; {settings.Runs} runs for CPU, {settings.Runs} with probes");
        await using var demo = await BenchmarkDemo.StartAsync(samplingRateMs: null, load: 0);
        using var client = new HttpClient { BaseAddress = demo.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var path in new[] { "/cpu", "/alloc", "/rare" })
        {
            for (var i = 0; i < 50; i++)
            {
                using var _ = await client.GetAsync(path);
            }
        }

        var cpuMs = new List<double>();
        var idleMs = new List<double>();
        var agentLines = new List<string>();
        var firstRunMs = double.NaN;
        for (var i = 0; i < settings.Runs; i++)
        {
            var before = ProcFs.CpuSeconds(demo.Pid);
            var (seconds, line) = await CoverOnceAsync(demo.Pid);
            var cost = ProcFs.CpuSeconds(demo.Pid) - before;
            // The same wall time without a run: what the idle demo spends anyway (timers, GC).
            var idleBefore = ProcFs.CpuSeconds(demo.Pid);
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            var idle = ProcFs.CpuSeconds(demo.Pid) - idleBefore;
            if (i == 0)
            {
                firstRunMs = (cost - idle) * 1000;
            }
            else
            {
                cpuMs.Add((cost - idle) * 1000);
            }
            idleMs.Add(idle * 1000);
            agentLines.Add(line);
            Log.Info(string.Create(CultureInfo.InvariantCulture, $"run {i + 1}: demo CPU {cost * 1000:F0} ms over {seconds:F2} s (idle {idle * 1000:F0} ms); {line}"));
        }

        var duringMs = new List<double>();
        var outsideMs = new List<double>();
        for (var i = 0; i < settings.Runs; i++)
        {
            using var stop = new CancellationTokenSource();
            var probes = ProbeAsync(client, "/rare", stop.Token);
            var (seconds, _) = await CoverOnceAsync(demo.Pid);
            await stop.CancelAsync();
            duringMs.Add((await probes).Max());

            using var stopIdle = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            outsideMs.Add((await ProbeAsync(client, "/rare", stopIdle.Token)).Max());
            Log.Info(string.Create(CultureInfo.InvariantCulture, $"probe run {i + 1}: slowest GET /rare {duringMs[^1]:F1} ms during the run, {outsideMs[^1]:F1} ms outside"));
        }

        var methods = agentLines.Select(l => RundownMethods().Match(l)).Where(m => m.Success).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        var traceKb = agentLines.Select(l => TraceKb().Match(l)).Where(m => m.Success).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        var agentCpu = agentLines.Select(l => AgentCpu().Match(l)).Where(m => m.Success).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1000).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"coverage run cost to the target: CPU {Stats.Spread(cpuMs, "F0")} ms (first run {firstRunMs:F0} ms; idle over the same time {Stats.Spread(idleMs, "F0")} ms); " +
            $"slowest probe request {Stats.Spread(duringMs, "F1")} ms during a run vs {Stats.Spread(outsideMs, "F1")} ms outside; " +
            $"rundown {Stats.Spread(methods, "F0")} methods, trace {Stats.Spread(traceKb, "F0")} KB, agent CPU in the run {Stats.Spread(agentCpu, "F0")} ms");
    }

    /// <summary>One coverage run by the real agent; its wall time and its summary log line.</summary>
    internal static async Task<(double Seconds, string Line)> CoverOnceAsync(int pid)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var agent = ChildProcess.Start("agent --once coverage", Repo.DotnetHost, [Repo.AgentDll, "--once", "--pid", pid.ToString(CultureInfo.InvariantCulture), "--kind", "coverage"]);
        var exit = await agent.WaitForExitAsync(TimeSpan.FromMinutes(2));
        if (exit != 0)
        {
            throw new InvalidOperationException($"agent exited {exit}: {agent.StderrTail()}");
        }
        return (clock.Elapsed.TotalSeconds, agent.StderrLines.FirstOrDefault(l => l.Contains("Coverage of", StringComparison.Ordinal)) ?? "");
    }

    /// <summary>Latencies (ms) of back-to-back GETs of <paramref name="path"/> until <paramref name="ct"/> fires.</summary>
    internal static async Task<List<double>> ProbeAsync(HttpClient client, string path, CancellationToken ct)
    {
        var latencies = new List<double>();
        while (!ct.IsCancellationRequested && latencies.Count < 1_000_000)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                using var _ = await client.GetAsync(path, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        return latencies.Count == 0 ? [double.NaN] : latencies;
    }

    [GeneratedRegex(@"rundown (\d+) methods")]
    private static partial Regex RundownMethods();

    [GeneratedRegex(@"trace (\d+) KB")]
    private static partial Regex TraceKb();

    [GeneratedRegex(@"agent CPU ([0-9.]+) s")]
    private static partial Regex AgentCpu();
}
