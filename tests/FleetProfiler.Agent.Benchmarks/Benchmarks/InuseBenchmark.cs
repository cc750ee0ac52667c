using System.Globalization;
using FleetProfiler.Agent.Benchmarks.Infrastructure;
using FleetProfiler.Agent.Benchmarks.Targets;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

public sealed record InuseSettings(int Reps, int Seconds, int Clients, string Path)
{
    public static InuseSettings Read(CommandLineOptions options) => new(
        options.Int("reps", 5, 1, 100),
        options.Int("seconds", 5, 1, 120),
        options.Int("clients", 4, 1, 256),
        options.String("path") ?? "/alloc");
}

/// <summary>
/// Throughput of an allocating demo endpoint (<c>/alloc</c> by default) with no session, during an agent <c>alloc</c>
/// window and during an agent <c>inuse</c> window (AllocationSampled plus the GC's survival and move events) —
/// interleaved, order rotated per rep, paired per rep (each window ratio against the same rep's no-session interval).
/// </summary>
public static class InuseBenchmark
{
    private enum Condition { NoSession, AllocWindow, InuseWindow }

    private static readonly TimeSpan Ramp = TimeSpan.FromMilliseconds(300);

    public static async Task<string> RunAsync(InuseSettings settings)
    {
        Log.Result($"# {settings.Clients} closed-loop clients on GET {settings.Path}, {settings.Reps} reps x {settings.Seconds} s per condition, interleaved (order rotated per rep)");
        await using var demo = await BenchmarkDemo.StartAsync(samplingRateMs: null, load: 0);
        await using var load = new ClosedLoopLoad(new Uri(demo.BaseAddress, settings.Path), settings.Clients);
        var warm = await load.MeasureAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), demo.Pid);
        Log.Info(string.Create(CultureInfo.InvariantCulture, $"warm-up: {warm.RequestsPerSecond:F1} req/s"));

        var conditions = Enum.GetValues<Condition>();
        var samples = conditions.ToDictionary(c => c, _ => new List<Measurement>());
        for (var rep = 0; rep < settings.Reps; rep++)
        {
            // Rotate the order so that no condition always runs first (warm caches) or last.
            foreach (var condition in conditions.Skip(rep % conditions.Length).Concat(conditions.Take(rep % conditions.Length)))
            {
                var m = await MeasureAsync(condition, settings, demo, load);
                samples[condition].Add(m);
                Log.Info(string.Create(CultureInfo.InvariantCulture, $"rep {rep + 1}/{settings.Reps} {condition,-12} {m.RequestsPerSecond,8:F1} req/s (demo {m.Cores[0]:F2} cores, others {m.OtherCores:F2})"));
            }
        }

        List<double> Ratio(Condition c) => samples[c].Zip(samples[Condition.NoSession], (on, off) => on.RequestsPerSecond / off.RequestsPerSecond).ToList();
        Log.Result(string.Create(CultureInfo.InvariantCulture,
            $"no session {Stats.Spread(samples[Condition.NoSession].Select(m => m.RequestsPerSecond).ToList(), "F1")} req/s; alloc window {Stats.Spread(samples[Condition.AllocWindow].Select(m => m.RequestsPerSecond).ToList(), "F1")}; inuse window {Stats.Spread(samples[Condition.InuseWindow].Select(m => m.RequestsPerSecond).ToList(), "F1")}"));
        var inuseVsAlloc = samples[Condition.InuseWindow].Zip(samples[Condition.AllocWindow], (i, a) => i.RequestsPerSecond / a.RequestsPerSecond).ToList();
        var others = Stats.Median(samples.Values.SelectMany(l => l).Select(m => m.OtherCores));
        return string.Create(CultureInfo.InvariantCulture,
            $"GET {settings.Path} paired throughput ratio vs no session: alloc window {Stats.Spread(Ratio(Condition.AllocWindow), "F3")}, inuse window {Stats.Spread(Ratio(Condition.InuseWindow), "F3")}; inuse vs alloc {Stats.Spread(inuseVsAlloc, "F3")} (median (min–max) of {settings.Reps} reps; others used {others:F2} cores)");
    }

    private static async Task<Measurement> MeasureAsync(Condition condition, InuseSettings settings, DemoProcess demo, ClosedLoopLoad load)
    {
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        if (condition == Condition.NoSession)
        {
            return await load.MeasureAsync(Ramp, duration, demo.Pid);
        }
        // The window outlasts the measured interval; the interval starts once the target has accepted the session.
        await using var agent = AgentWindow.Start(demo.Pid, condition == Condition.AllocWindow ? "alloc" : "inuse", settings.Seconds + 2);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DiagnosticsSockets.AcceptedConnections(demo.Pid).Count == 0)
        {
            if (agent.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{agent.Name} did not open a session:\n{agent.StderrTail()}");
            }
            await Task.Delay(5);
        }
        var m = await load.MeasureAsync(Ramp, duration, demo.Pid, agent.Pid);
        var exit = await agent.WaitForExitAsync(TimeSpan.FromSeconds(120));
        if (exit != 0)
        {
            throw new InvalidOperationException($"{agent.Name} exited with code {exit}:\n{agent.StderrTail()}");
        }
        Log.Info(agent.Lines("in use at the end").LastOrDefault() ?? "");
        return m;
    }
}
