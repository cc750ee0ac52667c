using System.Text.Json;

namespace FleetProfiler.Profiles.Tests.Formats;

public class SpeedscopeFormatTests
{
    private static CallTree Sample()
    {
        var tree = new CallTree();
        tree.Add([new Frame("main", "Program.cs", 3), new Frame("work", "Work.cs", 8)], new SampleValues(7, 1, 2048, 2));
        tree.Add([new Frame("main", "Program.cs", 3), new Frame("idle")], new SampleValues(3, 20, 0, 0));
        tree.Add([new Frame("main", "Program.cs", 3)], SampleValues.Cpu(1));
        return tree;
    }

    [Fact]
    public void Document_is_a_sampled_profile_with_shared_frames()
    {
        using var doc = JsonDocument.Parse(SpeedscopeFormat.ToJson(Sample(), ProfileKind.Cpu, new SpeedscopeOptions { Name = "checkout cpu" }));
        var root = doc.RootElement;
        Assert.Equal(SpeedscopeFormat.Schema, root.GetProperty("$schema").GetString());
        var frames = root.GetProperty("shared").GetProperty("frames");
        Assert.Equal(3, frames.GetArrayLength());
        var profile = Assert.Single(root.GetProperty("profiles").EnumerateArray());
        Assert.Equal("sampled", profile.GetProperty("type").GetString());
        Assert.Equal("checkout cpu", profile.GetProperty("name").GetString());
        Assert.Equal("none", profile.GetProperty("unit").GetString());
        var main = frames.EnumerateArray().Single(f => f.GetProperty("name").GetString() == "main");
        Assert.Equal("Program.cs", main.GetProperty("file").GetString());
        Assert.Equal(3, main.GetProperty("line").GetInt32());
        Assert.False(frames.EnumerateArray().Single(f => f.GetProperty("name").GetString() == "idle").TryGetProperty("file", out _));
    }

    [Theory]
    [InlineData(ProfileKind.Cpu)]
    [InlineData(ProfileKind.Wall)]
    [InlineData(ProfileKind.Alloc)]
    public void Weights_sum_to_the_total_and_match_samples(ProfileKind kind)
    {
        var tree = Sample();
        using var doc = JsonDocument.Parse(SpeedscopeFormat.ToUtf8Json(tree, kind));
        var profile = doc.RootElement.GetProperty("profiles")[0];
        var weights = profile.GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()).ToArray();
        var samples = profile.GetProperty("samples").EnumerateArray().ToArray();
        Assert.Equal(samples.Length, weights.Length);
        Assert.Equal(tree.Total.Get(kind), weights.Sum());
        Assert.Equal(weights.Sum(), profile.GetProperty("endValue").GetInt64());
        int frameCount = doc.RootElement.GetProperty("shared").GetProperty("frames").GetArrayLength();
        Assert.All(samples.SelectMany(s => s.EnumerateArray()), i => Assert.InRange(i.GetInt32(), 0, frameCount - 1));
    }

    [Fact]
    public void Samples_are_root_first()
    {
        using var doc = JsonDocument.Parse(SpeedscopeFormat.ToJson(Sample(), ProfileKind.Wall));
        var names = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString()).ToArray();
        var profile = doc.RootElement.GetProperty("profiles")[0];
        var stacks = profile.GetProperty("samples").EnumerateArray()
            .Select(s => string.Join(";", s.EnumerateArray().Select(i => names[i.GetInt32()]))).ToList();
        var weights = profile.GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()).ToList();
        Assert.Equal(20, weights[stacks.IndexOf("main;idle")]);
        Assert.Equal(1, weights[stacks.IndexOf("main;work")]);
    }

    [Fact]
    public void Sampling_interval_turns_weights_into_nanoseconds()
    {
        using var doc = JsonDocument.Parse(SpeedscopeFormat.ToJson(Sample(), ProfileKind.Cpu,
            new SpeedscopeOptions { SamplingInterval = TimeSpan.FromMilliseconds(1) }));
        var profile = doc.RootElement.GetProperty("profiles")[0];
        Assert.Equal("nanoseconds", profile.GetProperty("unit").GetString());
        Assert.Equal(11_000_000, profile.GetProperty("weights").EnumerateArray().Sum(w => w.GetInt64()));
    }

    [Fact]
    public void Alloc_weights_are_bytes()
    {
        using var doc = JsonDocument.Parse(SpeedscopeFormat.ToJson(Sample(), ProfileKind.Alloc));
        Assert.Equal("bytes", doc.RootElement.GetProperty("profiles")[0].GetProperty("unit").GetString());
    }
}
