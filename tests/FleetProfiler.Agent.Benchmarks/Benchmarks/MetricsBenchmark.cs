using System.Globalization;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

public sealed record MetricsSettings(int Reps, int Seconds, int Clients, string Path)
{
    public static MetricsSettings Read(CommandLineOptions options) => new(
        options.Int("reps", 6, 1, 100),
        options.Int("seconds", 5, 1, 120),
        options.Int("clients", 4, 1, 256),
        options.String("path") ?? "/rare");
}

/// <summary>
/// Throughput of one demo endpoint with no agent, and with an agent daemon whose only session is the always-on
/// request-metrics session (no schedules) — interleaved, order rotated per rep, paired per rep. The default endpoint
/// is the demo's cheapest (<c>/rare</c>, ~0.1 ms): the session's cost is per request, so a cheap request shows it most.
/// </summary>
public static class MetricsBenchmark
{
    private enum Condition { NoAgent, MetricsSession }

    public static async Task<string> RunAsync(MetricsSettings settings)
    {
        Log.Result($"# {settings.Clients} closed-loop clients on GET {settings.Path}, {settings.Reps} reps x {settings.Seconds} s per condition, interleaved (order rotated per rep)");
        await using var demo = await BenchmarkDemo.StartAsync(samplingRateMs: null, load: 0);
        await using var load = new ClosedLoopLoad(new Uri(demo.BaseAddress, settings.Path), settings.Clients);
        var warm = await load.MeasureAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), demo.Pid);
        Log.Info(string.Create(CultureInfo.InvariantCulture, $"warm-up: {warm.RequestsPerSecond:F1} req/s"));

        var samples = Enum.GetValues<Condition>().ToDictionary(c => c, _ => new List<Measurement>());
        var spool = Path.Combine(Path.GetTempPath(), $"fleetprofiler-metrics-bench-{Environment.ProcessId}");
        try
        {
            for (var rep = 0; rep < settings.Reps; rep++)
            {
                foreach (var condition in rep % 2 == 0 ? new[] { Condition.NoAgent, Condition.MetricsSession } : [Condition.MetricsSession, Condition.NoAgent])
                {
                    var m = condition == Condition.NoAgent
                        ? await load.MeasureAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(settings.Seconds), demo.Pid)
                        : await WithMetricsSessionAsync(demo.Pid, spool, () => load.MeasureAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(settings.Seconds), demo.Pid));
                    samples[condition].Add(m);
                    Log.Info(string.Create(CultureInfo.InvariantCulture, $"rep {rep + 1}/{settings.Reps} {condition,-15} {m.RequestsPerSecond,8:F1} req/s (demo {m.Cores[0]:F2} cores, others {m.OtherCores:F2})"));
                }
            }
        }
        finally
        {
            try { Directory.Delete(spool, recursive: true); }
            catch (DirectoryNotFoundException) { }
        }

        var ratios = samples[Condition.MetricsSession].Zip(samples[Condition.NoAgent], (on, off) => on.RequestsPerSecond / off.RequestsPerSecond).ToList();
        var perCpu = samples[Condition.MetricsSession].Zip(samples[Condition.NoAgent], (on, off) => on.RequestsPerCpuSecond / off.RequestsPerCpuSecond).ToList();
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"no agent {Stats.Spread(samples[Condition.NoAgent].Select(m => m.RequestsPerSecond).ToList(), "F1")} req/s; metrics session {Stats.Spread(samples[Condition.MetricsSession].Select(m => m.RequestsPerSecond).ToList(), "F1")} req/s"));
        var others = Stats.Median(samples.Values.SelectMany(l => l).Select(m => m.OtherCores));
        return string.Create(CultureInfo.InvariantCulture,
            $"metrics session overhead on GET {settings.Path}: paired throughput ratio {Stats.Spread(ratios, "F3")}, requests per demo CPU-second ratio {Stats.Spread(perCpu, "F3")} (median (min–max) of {settings.Reps} reps; others used {others:F2} cores)");
    }

    /// <summary>Starts an agent daemon (no schedules, request metrics on), waits until its metrics session runs, measures, stops it.</summary>
    private static async Task<Measurement> WithMetricsSessionAsync(int demoPid, string spool, Func<Task<Measurement>> measure)
    {
        await using var agent = ChildProcess.Start("agent (metrics)", Repo.DotnetHost,
        [
            Repo.AgentDll, "--Agent:AgentId=bench", "--Agent:Host=bench", "--Agent:Token=bench-token-0123456789",
            "--Agent:GatewayUrl=http://127.0.0.1:1", $"--Agent:SpoolDirectory={spool}",
            $"--Agent:Include:0=demo", "--Agent:RequestMetrics:Enabled=true",
        ]);
        await agent.WaitForLineAsync($"Request metrics of demo (pid {demoPid})", TimeSpan.FromSeconds(60));
        var m = await measure();
        await agent.StopAsync();
        return m;
    }
}
