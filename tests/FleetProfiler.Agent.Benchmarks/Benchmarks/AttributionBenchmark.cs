using System.Globalization;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

public sealed record AttributionSettings(int Reps, int Seconds, int Clients, string Path, int WarmupSeconds)
{
    public static AttributionSettings Read(CommandLineOptions options) => new(
        options.Int("reps", 5, 1, 100),
        options.Int("seconds", 4, 1, 120),
        options.Int("clients", 4, 1, 256),
        options.String("path") ?? "/work/beta",
        options.Int("warmup", 8, 1, 120));
}

/// <summary>
/// What endpoint attribution adds to a cpu window: throughput of one test-service route (tests/FleetProfiler.TestService,
/// known work before and after awaits) with no session, during an agent cpu window with attribution off, and during one
/// with attribution on — paired per rep. Each rep starts a fresh target, and the attributed window comes last in it:
/// once a session enabled TasksFlowActivityIds the runtime keeps flowing activity ids for the process's lifetime, so an
/// "off" window after an "on" one would carry part of the cost it is compared against. The "on" window prints its stacks
/// by endpoint (<c>--by-endpoint</c>): the accuracy is the share of samples in a RouteWork method under the right route.
/// </summary>
public static class AttributionBenchmark
{
    private enum Condition { NoSession, AttributionOff, AttributionOn }

    private static readonly TimeSpan Ramp = TimeSpan.FromMilliseconds(300);

    private static readonly (string Method, string Endpoint)[] Work =
    [
        ("AlphaBeforeAwait", "GET /work/alpha/{n:int}"), ("AlphaAfterAwait", "GET /work/alpha/{n:int}"),
        ("BetaBeforeAwait", "GET /work/beta"), ("BetaAfterAwait", "GET /work/beta"), ("SyncWork", "GET /work/sync"),
    ];

    public static async Task<string> RunAsync(AttributionSettings settings)
    {
        Log.Result($"# {settings.Clients} closed-loop clients on GET {settings.Path} of the test service, {settings.Reps} reps x {settings.Seconds} s per condition; " +
                   "per rep a fresh target: no session and attribution off in rotated order, attribution on last");
        var samples = Enum.GetValues<Condition>().ToDictionary(c => c, _ => new List<Measurement>());
        long right = 0, judged = 0;
        for (var rep = 0; rep < settings.Reps; rep++)
        {
            await using var target = await StartTargetAsync();
            await using var load = new ClosedLoopLoad(new Uri(target.BaseUrl, settings.Path.TrimStart('/')), settings.Clients);
            // A fresh target is cold: warm it until tiered JIT settles, or the conditions measured first would look slower.
            var warm = await load.MeasureAsync(TimeSpan.FromSeconds(settings.WarmupSeconds), TimeSpan.FromSeconds(1), target.Process.Pid);
            Log.Info(string.Create(CultureInfo.InvariantCulture, $"rep {rep + 1}: target pid {target.Process.Pid}, warm-up {warm.RequestsPerSecond:F1} req/s"));
            var idleThreads = ProcFs.CountThreads(target.Process.Pid, OverheadBenchmark.EventPipeThread);
            Condition[] order = rep % 2 == 0
                ? [Condition.NoSession, Condition.AttributionOff, Condition.AttributionOn]
                : [Condition.AttributionOff, Condition.NoSession, Condition.AttributionOn];
            foreach (var condition in order)
            {
                var (m, stdout) = await MeasureAsync(condition, settings, target.Process.Pid, load, idleThreads);
                samples[condition].Add(m);
                if (condition == Condition.AttributionOn)
                {
                    var (r, j) = Accuracy(stdout);
                    right += r;
                    judged += j;
                }
                Log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"rep {rep + 1}/{settings.Reps} {condition,-15} {m.RequestsPerSecond,8:F1} req/s (target {m.Cores[0]:F2} cores{(m.Cores.Length > 1 ? $", agent {m.Cores[1]:F2}" : "")}, others {m.OtherCores:F2})"));
            }
        }

        List<double> Ratio(Condition a, Condition b, Func<Measurement, double> value) =>
            samples[a].Zip(samples[b], (x, y) => value(x) / value(y)).ToList();
        foreach (var condition in Enum.GetValues<Condition>())
        {
            Log.Result(string.Create(CultureInfo.InvariantCulture,
                $"{condition,-15} {Stats.Spread(samples[condition].Select(m => m.RequestsPerSecond).ToList(), "F1")} req/s, target {Stats.Median(samples[condition].Select(m => m.Cores[0])):F2} cores"));
        }
        var onOff = Ratio(Condition.AttributionOn, Condition.AttributionOff, m => m.RequestsPerSecond);
        var onOffCpu = Ratio(Condition.AttributionOn, Condition.AttributionOff, m => m.RequestsPerCpuSecond);
        var offNone = Ratio(Condition.AttributionOff, Condition.NoSession, m => m.RequestsPerSecond);
        var onNone = Ratio(Condition.AttributionOn, Condition.NoSession, m => m.RequestsPerSecond);
        var others = Stats.Median(samples.Values.SelectMany(l => l).Select(m => m.OtherCores));
        return string.Create(CultureInfo.InvariantCulture,
            $"attribution on GET {settings.Path}: throughput on/off {Stats.Spread(onOff, "F3")} (per CPU-s {Stats.Spread(onOffCpu, "F3")}); " +
            $"window off/none {Stats.Spread(offNone, "F3")}, on/none {Stats.Spread(onNone, "F3")} (median (min–max) of {settings.Reps} paired reps); " +
            $"accuracy {(judged == 0 ? "n/a" : $"{100.0 * right / judged:F1} %")} of {judged} samples in RouteWork methods; others used {others:F2} cores");
    }

    private static async Task<(Measurement Measurement, IReadOnlyList<string> Stdout)> MeasureAsync(
        Condition condition, AttributionSettings settings, int pid, ClosedLoopLoad load, int idleThreads)
    {
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        if (condition == Condition.NoSession)
        {
            return (await load.MeasureAsync(Ramp, duration, pid), []);
        }
        var on = condition == Condition.AttributionOn;
        await using var agent = ChildProcess.Start($"agent (attribution {(on ? "on" : "off")})", Repo.DotnetHost,
            [Repo.AgentDll, "--once", "--pid", pid.ToString(CultureInfo.InvariantCulture), "--kind", "cpu",
             "--seconds", (settings.Seconds + 1).ToString(CultureInfo.InvariantCulture), "--by-endpoint",
             $"--Agent:Attribution:Enabled={(on ? "true" : "false")}"]);
        // The window's own session: its sampler thread appears in the target (with attribution, a second session's too).
        await OverheadBenchmark.WaitForSessionAsync(pid, idleThreads, agent);
        var m = await load.MeasureAsync(Ramp, duration, pid, agent.Pid);
        var exit = await agent.WaitForExitAsync(TimeSpan.FromSeconds(120));
        if (exit != 0)
        {
            throw new InvalidOperationException($"{agent.Name} exited with code {exit}:\n{agent.StderrTail()}");
        }
        await OverheadBenchmark.WaitForThreadsAsync(pid, idleThreads);
        return (m, agent.StdoutLines);
    }

    /// <summary>Of the folded lines (<c>[endpoint] GET /x;frames… value</c>) in a RouteWork method: samples under that method's route, samples judged.</summary>
    private static (long Right, long Judged) Accuracy(IReadOnlyList<string> folded)
    {
        long right = 0, judged = 0;
        foreach (var line in folded)
        {
            var space = line.LastIndexOf(' ');
            if (space < 0 || !long.TryParse(line.AsSpan(space + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }
            var frames = line[..space].Split(';');
            var work = Work.FirstOrDefault(w => frames.Any(f => f.Contains($"RouteWork.{w.Method}(", StringComparison.Ordinal)));
            if (work.Method is null)
            {
                continue;
            }
            judged += value;
            if (frames[0] == "[endpoint] " + work.Endpoint)
            {
                right += value;
            }
        }
        return (right, judged);
    }

    private static Task<TestServiceProcess> StartTargetAsync() => TestService.StartAsync("test service", "attribution-bench");
}
