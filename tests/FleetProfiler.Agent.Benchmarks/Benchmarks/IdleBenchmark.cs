using System.Globalization;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

/// <param name="BaselineAgent">Another agent build (e.g. main's, copied aside), measured first on the same demo: ratios against it.</param>
/// <param name="SharedTmp">
/// Run the demo and the agents in the machine's own temp directory, where discovery also sees (and describes) every
/// other .NET process of the host: a busy-host upper bound. Default: a private TMPDIR for the demo and the agents, so
/// the agent's only diagnostics socket is the demo's (a quiet host).
/// </param>
/// <param name="Environment">Extra variables for this build's agent only (<c>--env K=V,K=V</c>): runtime knobs to try.</param>
/// <param name="Agent">This build's agent (<c>--agent</c>: a .dll, or the Native AOT executable); null: the repository's Release build.</param>
public sealed record IdleSettings(int Intervals, int Seconds, int Warmup, int Load, string? BaselineAgent, bool SharedTmp,
    IReadOnlyDictionary<string, string> Environment, string? Agent = null)
{
    public static IdleSettings Read(CommandLineOptions options) => new(
        options.Int("intervals", 3, 1, 50),
        options.Int("seconds", 30, 5, 3600),
        options.Int("warmup", 15, 0, 600),
        options.Int("load", 1, 0, 64),
        options.String("baseline-agent") is { } dll ? Path.GetFullPath(dll) : null,
        options.Flag("shared-tmp"),
        (options.String("env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : ""),
        options.String("agent") is { } agent ? Path.GetFullPath(agent) : null);
}

/// <summary>
/// What the idle agent daemon costs the host: one target (the demo under its built-in load), the always-on
/// request-metrics session on it, no schedule and no trigger, the gateway unreachable (as in docs/operations.md).
/// After the agent's metrics session runs and a warm-up, <c>--intervals</c> back-to-back intervals of <c>--seconds</c>:
/// the agent's CPU (utime + stime of /proc/PID/stat) per interval as a share of one core, and its VmRSS at each
/// interval's end; VmHWM at the end.
/// </summary>
public static class IdleBenchmark
{
    public const double TargetCoreShare = 0.0005;
    public const long TargetRssBytes = 40L * 1024 * 1024;

    private sealed record Figures(List<double> Percent, List<double> RssMB, double HwmMB, double AnonMB, double FileMB);

    public static async Task<string> RunAsync(IdleSettings settings)
    {
        Log.Result($"# demo with --load {settings.Load}; agent daemon, request metrics on, no schedule, gateway unreachable; warm-up {settings.Warmup} s, {settings.Intervals} x {settings.Seconds} s"
            + (settings.SharedTmp ? "; the host's temp directory (discovery sees every .NET process)" : "; a private TMPDIR (discovery sees the demo only)")
            + (settings.BaselineAgent is null ? "" : $"; baseline agent {settings.BaselineAgent} first")
            + (settings.Environment.Count == 0 ? "" : $"; this build with {string.Join(" ", settings.Environment.Select(kv => $"{kv.Key}={kv.Value}"))}"));
        if (settings.BaselineAgent is not null && !File.Exists(settings.BaselineAgent))
        {
            throw new InvalidOperationException($"--baseline-agent {settings.BaselineAgent}: no such file");
        }
        using var tmp = settings.SharedTmp ? null : new TempDirectory("fleetprofiler-idle-tmp");
        var shared = tmp is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["TMPDIR"] = tmp.Path };
        await using var demo = await BenchmarkDemo.StartAsync(samplingRateMs: null, settings.Load, shared);
        var baseline = settings.BaselineAgent is null ? null : await MeasureAsync(demo.Pid, settings.BaselineAgent, "baseline", settings, shared);
        var current = await MeasureAsync(demo.Pid, settings.Agent ?? Repo.AgentDll, "this build", settings,
            new Dictionary<string, string>(shared.Concat(settings.Environment)));
        var versus = baseline is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $" ({Stats.Median(current.Percent) / Stats.Median(baseline.Percent):F2}x and {Stats.Median(current.RssMB) / Stats.Median(baseline.RssMB):F2}x of baseline {Stats.Median(baseline.Percent):F3} %, {Stats.Median(baseline.RssMB):F1} MB)");
        var cpuVerdict = Stats.Median(current.Percent) <= 100 * TargetCoreShare ? "met" : "NOT met";
        var rssVerdict = Stats.Median(current.RssMB) <= TargetRssBytes / 1048576.0 ? "met" : "NOT met";
        return string.Create(CultureInfo.InvariantCulture,
            $"idle agent (median of {settings.Intervals} x {settings.Seconds} s): {Stats.Median(current.Percent):F3} % of a core, VmRSS {Stats.Median(current.RssMB):F1} MB{versus}; targets <= 0.05 % {cpuVerdict}, <= 40 MB {rssVerdict}");
    }

    private static async Task<Figures> MeasureAsync(int demoPid, string agentDll, string label, IdleSettings settings,
        IReadOnlyDictionary<string, string> environment)
    {
        var spool = Path.Combine(Path.GetTempPath(), $"fleetprofiler-idle-bench-{Environment.ProcessId}");
        try
        {
            await using var agent = ChildProcess.StartProgram($"agent (idle, {label})", agentDll,
            [
                "--Agent:AgentId=bench", "--Agent:Host=bench", "--Agent:Token=bench-token-0123456789",
                "--Agent:GatewayUrl=http://127.0.0.1:1", $"--Agent:SpoolDirectory={spool}",
                "--Agent:Include:0=demo", "--Agent:RequestMetrics:Enabled=true",
            ], environment);
            await agent.WaitForLineAsync($"Request metrics of demo (pid {demoPid})", TimeSpan.FromSeconds(90));
            Log.Info($"{label}: agent pid {agent.Pid}: metrics session runs; warming up {settings.Warmup} s");
            await Task.Delay(TimeSpan.FromSeconds(settings.Warmup));

            var percent = new List<double>();
            var rss = new List<double>();
            for (var i = 0; i < settings.Intervals; i++)
            {
                var before = ProcFs.CpuSeconds(agent.Pid);
                var machineBefore = ProcFs.MachineBusySeconds();
                await Task.Delay(TimeSpan.FromSeconds(settings.Seconds));
                var used = ProcFs.CpuSeconds(agent.Pid) - before;
                var machine = (ProcFs.MachineBusySeconds() - machineBefore) / settings.Seconds;
                if (double.IsNaN(used))
                {
                    throw new InvalidOperationException($"the agent exited during the run:\n{agent.StderrTail()}");
                }
                percent.Add(100 * used / settings.Seconds);
                rss.Add(ProcFs.StatusBytes(agent.Pid, "VmRSS") / 1048576.0);
                Log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"{label} interval {i + 1}/{settings.Intervals}: agent CPU {used:F3} s = {percent[^1]:F3} % of a core, VmRSS {rss[^1]:F1} MB (machine busy {machine:F2} cores)"));
            }
            var figures = new Figures(percent, rss, ProcFs.StatusBytes(agent.Pid, "VmHWM") / 1048576.0,
                ProcFs.StatusBytes(agent.Pid, "RssAnon") / 1048576.0, ProcFs.StatusBytes(agent.Pid, "RssFile") / 1048576.0);
            await agent.StopAsync();
            Log.Result(string.Create(CultureInfo.InvariantCulture,
                $"{label,-10} agent CPU % of a core {Stats.Spread(percent, "F3")}; VmRSS MB {Stats.Spread(rss, "F1")} (anon {figures.AnonMB:F1}, file {figures.FileMB:F1} at the end); VmHWM {figures.HwmMB:F1} MB"));
            return figures;
        }
        finally
        {
            try { Directory.Delete(spool, recursive: true); }
            catch (DirectoryNotFoundException) { }
        }
    }
}
