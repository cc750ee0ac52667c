namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>The agent's one-shot mode on the real demo service: the known hot spots come out on top, with file:line.</summary>
[Collection(DemoCollection.Name)]
public sealed class OneShotProfilingTests(DemoFixture demo)
{
    [Fact]
    public async Task Cpu_profile_puts_PrimeSieve_on_top_with_file_and_line()
    {
        var (exit, agent) = await AgentDaemon.RunOnceAsync(demo.Pid, "cpu", 3);

        Assert.True(exit == 0, agent.Output);
        var lines = FoldedLine.Parse(agent.StdoutLines);
        // The function with the most self samples, whatever line they fell on.
        var bySelf = lines.GroupBy(l => FoldedLine.Function(l.Leaf)).Select(g => (Function: g.Key, Self: g.Sum(l => l.Value))).OrderByDescending(f => f.Self).ToList();
        Assert.True(bySelf[0].Function == "FleetProfiler.Demo!FleetProfiler.Demo.PrimeSieve.IsPrime(int32)",
            "top functions by self cpu samples:\n" + string.Join("\n", bySelf.Take(6).Select(f => $"{f.Self} {f.Function}")));
        var top = lines[0];
        Assert.Contains("FleetProfiler.Demo.PrimeSieve.IsPrime(int32) (deploy/demo/FleetProfiler.Demo/PrimeSieve.cs:", top.Leaf);
        Assert.Contains(top.Frames, f => f.Contains("FleetProfiler.Demo.PrimeSieve.CountPrimes(int32) (deploy/demo/FleetProfiler.Demo/PrimeSieve.cs:"));
        // Of the demo's own methods, PrimeSieve carries the most CPU, including its callees.
        var demoFrames = FoldedLine.Inclusive(lines).Where(f => f.Key.StartsWith("FleetProfiler.Demo!FleetProfiler.Demo.", StringComparison.Ordinal));
        Assert.Contains("PrimeSieve", demoFrames.MaxBy(f => f.Value).Key);
    }

    [Fact]
    public async Task Alloc_profile_is_led_by_BuildRows_and_the_array_it_allocates()
    {
        var (exit, agent) = await AgentDaemon.RunOnceAsync(demo.Pid, "alloc", 3);

        Assert.True(exit == 0, agent.Output);
        var top = FoldedLine.Parse(agent.StdoutLines)[0];
        Assert.Equal("[alloc] System.Double[]", top.Leaf);
        Assert.Contains("FleetProfiler.Demo.ReportBuilder.BuildRows(int32) (deploy/demo/FleetProfiler.Demo/ReportBuilder.cs:", top.Frames[^2]);
    }
}
