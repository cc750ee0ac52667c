using System.Globalization;
using System.Text.RegularExpressions;
using FleetProfiler.Agent.Benchmarks.Infrastructure;

namespace FleetProfiler.Agent.Benchmarks.Benchmarks;

public sealed record HeapSnapshotSettings(IReadOnlyList<int> SizesMB, int Reps, string? DotnetGcdump)
{
    public static HeapSnapshotSettings Read(CommandLineOptions options) => new(
        options.Ints("sizes", [100, 300]),
        options.Int("reps", 3, 1, 50),
        options.String("dotnet-gcdump"));
}

/// <summary>
/// The pause a heap snapshot costs the target, per 100 MB of live heap: the agent's <c>--once --kind heap</c> against
/// <c>dotnet-gcdump collect</c> on the same target (tests/FleetProfiler.MemoryTarget, mode graph: a registry of the
/// given size, no churn), alternating per rep. The yardstick is the target's own: after each induced full blocking GC it
/// prints <c>GC.GetGCMemoryInfo(GCKind.FullBlocking).PauseDurations[0]</c> (suspension to restart, the heap walk
/// included), so both tools are measured the same way; the agent's own pause figure is printed beside it as a check.
/// Without dotnet-gcdump (not on PATH, not in ~/.dotnet/tools, no --dotnet-gcdump) its column is skipped, saying so.
/// </summary>
public static partial class HeapSnapshotBenchmark
{
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromMinutes(3);

    public static async Task<string> RunAsync(HeapSnapshotSettings settings)
    {
        var gcdump = FindGcdump(settings.DotnetGcdump);
        Log.Result(gcdump is null
            ? "# dotnet-gcdump not found (PATH, ~/.dotnet/tools, --dotnet-gcdump): its column is skipped (install: dotnet tool install -g dotnet-gcdump --version 10.0.750501)"
            : $"# dotnet-gcdump: {gcdump}");
        var lines = new List<string>();
        foreach (var size in settings.SizesMB)
        {
            await using var target = await MemoryTarget.StartAsync(new MemoryTargetOptions { Mode = "graph", ChurnMBPerSecond = 0, RetainCapMB = size });
            var agentPauses = new List<double>();
            var agentOwn = new List<double>();
            var gcdumpPauses = new List<double>();
            double liveMB = 0;
            for (var rep = 0; rep < settings.Reps; rep++)
            {
                // Alternate which tool goes first, so that neither always meets a freshly compacted heap.
                foreach (var tool in rep % 2 == 0 ? new[] { "agent", "gcdump" } : ["gcdump", "agent"])
                {
                    if (tool == "gcdump" && gcdump is null) continue;
                    var before = FullGcLines(target).Count;
                    if (tool == "agent")
                    {
                        var (own, live) = await RunAgentAsync(target.Pid);
                        agentOwn.Add(own);
                        liveMB = live / 1048576.0;
                    }
                    else
                    {
                        await RunGcdumpAsync(gcdump!, target.Pid);
                    }
                    var line = await target.Process.WaitForLineAsync(_ => FullGcLines(target).Count > before, "the induced GC's full-gc line", ToolDeadline);
                    var pause = double.Parse(PauseMs().Match(FullGcLines(target)[before]).Groups[1].Value, CultureInfo.InvariantCulture);
                    (tool == "agent" ? agentPauses : gcdumpPauses).Add(pause);
                    Log.Info(string.Create(CultureInfo.InvariantCulture, $"{size} MB rep {rep + 1}/{settings.Reps} {tool,-6} pause {pause,8:F1} ms (target's GCMemoryInfo)"));
                }
            }
            var per100 = 100 / Math.Max(liveMB, 1);
            var agentPer100 = agentPauses.Select(p => p * per100).ToList();
            var gcdumpPer100 = gcdumpPauses.Select(p => p * per100).ToList();
            var ratio = gcdumpPauses.Count == 0 ? "n/a (no dotnet-gcdump)" : (Stats.Median(agentPauses) / Stats.Median(gcdumpPauses)).ToString("F2", CultureInfo.InvariantCulture);
            var line2 = string.Create(CultureInfo.InvariantCulture,
                $"{liveMB:F0} MB live: pause per 100 MB agent {Stats.Spread(agentPer100, "F1")} ms (agent's own figure {Stats.Median(agentOwn) * per100:F1}), dotnet-gcdump {(gcdumpPer100.Count == 0 ? "skipped" : Stats.Spread(gcdumpPer100, "F1") + " ms")}; agent ÷ gcdump {ratio}");
            Log.Result(line2);
            lines.Add(line2);
        }
        return $"heap snapshot pause, median (min–max) of {settings.Reps} reps: " + string.Join("; ", lines);
    }

    private static IReadOnlyList<string> FullGcLines(MemoryTargetProcess target) => target.Process.StdoutLines.Where(l => l.StartsWith("full-gc ", StringComparison.Ordinal)).ToList();

    private static async Task<(double PauseMs, long LiveBytes)> RunAgentAsync(int pid)
    {
        await using var agent = ChildProcess.Start("agent --once heap", Repo.DotnetHost,
            [Repo.RequireBuilt(Repo.AgentDll), "--once", "--pid", pid.ToString(CultureInfo.InvariantCulture), "--kind", "heap", "--Agent:HeapSnapshot:MaxHeapMB", "0"]);
        var exit = await agent.WaitForExitAsync(ToolDeadline);
        if (exit != 0) throw new InvalidOperationException($"agent --once --kind heap exited {exit}: {agent.StderrTail()}");
        var snapshot = Protocol.V1.HeapSnapshot.Parser.WithDiscardUnknownFields(true).ParseJson(agent.StdoutLines.Single(l => l.StartsWith('{')));
        return (snapshot.PauseUs / 1000.0, snapshot.LiveBytes);
    }

    private static async Task RunGcdumpAsync(string gcdump, int pid)
    {
        var output = Path.Combine(Path.GetTempPath(), $"fleetprofiler-bench-{pid}-{Guid.NewGuid():N}.gcdump");
        try
        {
            await using var tool = ChildProcess.Start("dotnet-gcdump", gcdump, ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", output]);
            var exit = await tool.WaitForExitAsync(ToolDeadline);
            if (exit != 0) throw new InvalidOperationException($"dotnet-gcdump exited {exit}: {tool.StderrTail()}");
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static string? FindGcdump(string? explicitPath)
    {
        if (explicitPath is not null) return File.Exists(explicitPath) ? explicitPath : throw new InvalidOperationException($"--dotnet-gcdump {explicitPath}: no such file");
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"))
            .Select(dir => Path.Combine(dir, "dotnet-gcdump"));
        return candidates.FirstOrDefault(File.Exists);
    }

    [GeneratedRegex(@"pause-ms=([0-9.]+)")]
    private static partial Regex PauseMs();
}
