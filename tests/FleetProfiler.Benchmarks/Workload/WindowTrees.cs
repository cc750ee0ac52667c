using FleetProfiler.Profiles;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Benchmarks.Workload;

/// <summary>The call tree of a synthetic window, as the gateway builds it (frames per location, stacks root first, cpu and wall counts).</summary>
public static class WindowTrees
{
    public static CallTree Of(WindowBody window)
    {
        var b = Batch.Parser.ParseFrom(window.Bytes);
        var tree = new CallTree();
        var frames = new int[b.Locations.Count];
        for (var i = 0; i < b.Locations.Count; i++)
        {
            var location = b.Locations[i];
            var function = b.Functions[(int)location.Function];
            frames[i] = tree.Frames.Intern(b.Strings[(int)function.Name], function.File == 0 ? null : b.Strings[(int)function.File], (int)location.Line);
        }
        foreach (var sample in b.Samples)
        {
            var stack = b.Stacks[(int)sample.Stack].Locations.Select(l => frames[l]).ToArray();
            tree.Add(stack, new SampleValues(sample.CpuSamples, sample.WallSamples, 0, 0));
        }
        return tree;
    }
}
