using FleetProfiler.Agent.Discovery;
using FleetProfiler.Agent.Sessions;
using FleetProfiler.Agent.Symbolization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FleetProfiler.Agent.Tests.Symbolization;

/// <summary>
/// The streamed reader (the default) against TraceLog (the earlier reader, <c>Agent:Symbolizer=tracelog</c>) on one
/// recorded window of the busy demo: the same events counted, the same stacks named the same way.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class StreamedStacksTests(DemoFixture demo) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_streamed_reader_names_the_same_stacks_as_TraceLog_on_one_recorded_window()
    {
        Assert.True(EventStacks.Available, "TraceEvent's event record is readable: the streamed reader is in use");
        var runtime = RuntimeVersionProbe.TryRead(demo.Pid);
        var target = new TargetProcess(demo.Pid, demo.Service, demo.Service, runtime);
        var plan = SessionPlan.For(ProfileKinds.Cpu | ProfileKinds.Wall | ProfileKinds.Alloc, runtime);
        var trace = await TraceRecorder.RecordAsync(demo.Pid, plan, TimeSpan.FromSeconds(3), _dir.Combine("window.nettrace"),
            new AgentOptions(), NullLogger.Instance, CancellationToken.None);

        var streamed = Symbolize(AgentOptions.StreamSymbolizer);
        var traceLog = Symbolize(AgentOptions.TraceLogSymbolizer);

        // Every sample counted by both, whatever its stack. Allocation estimates are fractional per event and rounded
        // per aggregated stack, so their sums may differ by the rounding of each stack.
        Assert.True(traceLog.Totals.CpuSamples > 0 && traceLog.Totals.AllocBytes > 0, "a real window: cpu samples and allocations");
        Assert.Equal(traceLog.Totals.CpuSamples, streamed.Totals.CpuSamples);
        Assert.Equal(traceLog.Totals.WallSamples, streamed.Totals.WallSamples);
        Assert.InRange(streamed.Totals.AllocBytes, traceLog.Totals.AllocBytes - traceLog.Samples.Count, traceLog.Totals.AllocBytes + traceLog.Samples.Count);
        Assert.Equal(traceLog.Diagnostics.FrameCount, streamed.Diagnostics.FrameCount);
        Assert.Equal(traceLog.Diagnostics.ResolvedFrameCount, streamed.Diagnostics.ResolvedFrameCount);

        // The same stacks by name (module!Namespace.Type.Method(args)), with the same values each (allocations up to rounding).
        var expected = ByName(traceLog);
        var actual = ByName(streamed);
        Assert.Equal(expected.Keys, actual.Keys);
        Assert.All(expected, e =>
        {
            var a = actual[e.Key];
            Assert.Equal((e.Value.CpuSamples, e.Value.WallSamples), (a.CpuSamples, a.WallSamples));
            Assert.InRange(a.AllocBytes, e.Value.AllocBytes - 8, e.Value.AllocBytes + 8);
            Assert.InRange(a.AllocCount, e.Value.AllocCount - 8, e.Value.AllocCount + 8);
        });

        // Source lines: the same IL maps and offsets, so the same file:line for every located frame.
        Assert.NotEmpty(ByFrame(traceLog));
        Assert.Equal(ByFrame(traceLog).Order(StringComparer.Ordinal), ByFrame(streamed).Order(StringComparer.Ordinal));

        ProfileWindow Symbolize(string symbolizer) =>
            new TraceSymbolizer(NullLogger<TraceSymbolizer>.Instance, Options.Create(new AgentOptions { Symbolizer = symbolizer }))
                .Symbolize(trace, _dir.Combine($"window-{symbolizer}.etlx"), target, plan);
    }

    private static SortedDictionary<string, SampleValues> ByName(ProfileWindow window)
    {
        var sums = new SortedDictionary<string, SampleValues>(StringComparer.Ordinal);
        foreach (var sample in window.Samples)
        {
            var key = $"{string.Join(";", sample.Frames.Select(f => f.Function))}|{sample.AllocatedType}";
            sums[key] = sums.GetValueOrDefault(key) + sample.Values;
        }
        return sums;
    }

    private static HashSet<string> ByFrame(ProfileWindow window) =>
        window.Samples.SelectMany(s => s.Frames).Where(f => f.Line > 0).Select(f => $"{f.Function}@{f.File}:{f.Line}").ToHashSet();
}
