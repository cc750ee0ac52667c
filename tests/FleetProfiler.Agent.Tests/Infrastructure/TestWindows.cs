using FleetProfiler.Agent.Spool;

namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>Hand-made windows and batches for the spool and conversion tests.</summary>
public static class TestWindows
{
    public static readonly DateTime Start = new(2025, 11, 25, 10, 0, 0, DateTimeKind.Utc);

    public static Frame F(string function, string? file = null, int line = 0) => new(function, file, line);

    public static ProfileWindow Window(IReadOnlyList<StackSample> samples, ProfileKinds kinds = ProfileKinds.Cpu | ProfileKinds.Wall) =>
        new(4242, "orders", Start, Start.AddSeconds(10), kinds, TimeSpan.FromMilliseconds(1.25), samples,
            new WindowDiagnostics("10.0.12", AllocationSource.None, false, 0, 0, 0, [], 0, TimeSpan.Zero))
        {
            ProcessName = "Orders.Api",
        };

    /// <summary>A window with <paramref name="stacks"/> distinct stacks of <paramref name="depth"/> frames each.</summary>
    public static ProfileWindow Large(int stacks, int depth = 20)
    {
        var samples = new List<StackSample>();
        for (var s = 0; s < stacks; s++)
        {
            var frames = Enumerable.Range(0, depth)
                .Select(d => F($"App!Namespace.Type{d % 7}.Method{(d * 31 + s) % 97}(int32)", $"/src/File{d % 5}.cs", d + 1))
                .ToList();
            samples.Add(new StackSample(frames, new SampleValues(s + 1, 2 * s + 1, 0, 0)));
        }
        return Window(samples);
    }

    public static Batch Batch(int stacks = 3) => BatchBuilder.FromWindow(Large(stacks, 5), "host-1", BatchLimits.ProtocolDefaults);

    /// <summary>Root-first frame texts of each sample, with its values: the batch read back as a reader would.</summary>
    public static IReadOnlyList<(string Stack, string? Type, long Cpu, long Wall, long Bytes, long Count)> Decode(Batch b) =>
        b.Samples.Select(s => (
            string.Join(";", b.Stacks[(int)s.Stack].Locations.Select(l =>
            {
                var location = b.Locations[(int)l];
                var function = b.Functions[(int)location.Function];
                return $"{b.Strings[(int)function.Name]}@{b.Strings[(int)function.File]}:{location.Line}";
            })),
            s.AllocatedType == 0 ? null : b.Strings[(int)s.AllocatedType],
            s.CpuSamples, s.WallSamples, s.AllocBytes, s.AllocCount)).ToList();

    /// <summary>The gateway's structural checks (docs/protocol.md): every index within its table, strings[0] empty.</summary>
    public static void AssertWellFormed(Batch b)
    {
        Assert.NotEmpty(b.Strings);
        Assert.Equal("", b.Strings[0]);
        Assert.All(b.Functions, f => Assert.InRange(f.Name, 1u, (uint)b.Strings.Count - 1));
        Assert.All(b.Functions, f => Assert.InRange(f.File, 0u, (uint)b.Strings.Count - 1));
        Assert.All(b.Locations, l => Assert.InRange(l.Function, 0u, (uint)b.Functions.Count - 1));
        Assert.All(b.Stacks, s => Assert.All(s.Locations, l => Assert.InRange(l, 0u, (uint)b.Locations.Count - 1)));
        Assert.All(b.Samples, s => Assert.InRange(s.Stack, 0u, (uint)b.Stacks.Count - 1));
        Assert.All(b.Samples, s => Assert.InRange(s.AllocatedType, 0u, (uint)b.Strings.Count - 1));
        Assert.All(b.Samples, s => Assert.True(s.CpuSamples >= 0 && s.WallSamples >= 0 && s.AllocBytes >= 0 && s.AllocCount >= 0));
    }
}
