using System.Globalization;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

public sealed record IdleSettings(int Intervals, int Seconds, int Warmup, int Load)
{
    public static IdleSettings Read(CommandLineOptions options) => new(
        options.Int("intervals", 3, 1, 50),
        options.Int("seconds", 30, 5, 3600),
        options.Int("warmup", 15, 0, 600),
        options.Int("load", 1, 0, 64));
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

    public static async Task<string> RunAsync(IdleSettings settings)
    {
        Log.Result($"# demo with --load {settings.Load}; agent daemon, request metrics on, no schedule; warm-up {settings.Warmup} s, {settings.Intervals} x {settings.Seconds} s");
        await using var demo = await BenchmarkDemo.StartAsync(samplingRateMs: null, settings.Load);
        var spool = Path.Combine(Path.GetTempPath(), $"fleetprofiler-idle-bench-{Environment.ProcessId}");
        try
        {
            await using var agent = ChildProcess.Start("agent (idle)", Repo.DotnetHost,
            [
                Repo.AgentDll, "--Agent:AgentId=bench", "--Agent:Host=bench", "--Agent:Token=bench-token-0123456789",
                "--Agent:GatewayUrl=http://127.0.0.1:1", $"--Agent:SpoolDirectory={spool}",
                "--Agent:Include:0=demo", "--Agent:RequestMetrics:Enabled=true",
            ]);
            await agent.WaitForLineAsync($"Request metrics of demo (pid {demo.Pid})", TimeSpan.FromSeconds(90));
            Log.Info($"agent pid {agent.Pid}: metrics session runs; warming up {settings.Warmup} s");
            await Task.Delay(TimeSpan.FromSeconds(settings.Warmup));

            var shares = new List<double>();
            var rss = new List<double>();
            for (var i = 0; i < settings.Intervals; i++)
            {
                var before = ProcFs.CpuSeconds(agent.Pid);
                var machineBefore = ProcFs.MachineBusySeconds();
                await Task.Delay(TimeSpan.FromSeconds(settings.Seconds));
                var used = ProcFs.CpuSeconds(agent.Pid) - before;
                var others = (ProcFs.MachineBusySeconds() - machineBefore) / settings.Seconds;
                if (double.IsNaN(used))
                {
                    throw new InvalidOperationException($"the agent exited during the run:\n{agent.StderrTail()}");
                }
                shares.Add(used / settings.Seconds);
                rss.Add(ProcFs.StatusBytes(agent.Pid, "VmRSS") / 1048576.0);
                Log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"interval {i + 1}/{settings.Intervals}: agent CPU {used:F3} s = {100 * used / settings.Seconds:F3} % of a core, VmRSS {rss[^1]:F1} MB (machine busy {others:F2} cores)"));
            }
            var hwm = ProcFs.StatusBytes(agent.Pid, "VmHWM") / 1048576.0;
            var anon = ProcFs.StatusBytes(agent.Pid, "RssAnon") / 1048576.0;
            var file = ProcFs.StatusBytes(agent.Pid, "RssFile") / 1048576.0;
            await agent.StopAsync();

            var percent = shares.Select(s => 100 * s).ToList();
            Log.Result(string.Create(CultureInfo.InvariantCulture,
                $"agent CPU % of a core {Stats.Spread(percent, "F3")}; VmRSS MB {Stats.Spread(rss, "F1")} (anon {anon:F1}, file {file:F1} at the end); VmHWM {hwm:F1} MB"));
            var cpuVerdict = Stats.Median(shares) <= TargetCoreShare ? "met" : "NOT met";
            var rssVerdict = Stats.Median(rss) <= TargetRssBytes / 1048576.0 ? "met" : "NOT met";
            return string.Create(CultureInfo.InvariantCulture,
                $"idle agent (median of {settings.Intervals} x {settings.Seconds} s): {Stats.Median(percent):F3} % of a core, VmRSS {Stats.Median(rss):F1} MB; targets <= 0.05 % {cpuVerdict}, <= 40 MB {rssVerdict}");
        }
        finally
        {
            try { Directory.Delete(spool, recursive: true); }
            catch (DirectoryNotFoundException) { }
        }
    }
}
