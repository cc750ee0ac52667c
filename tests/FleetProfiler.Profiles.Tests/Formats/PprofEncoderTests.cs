using System.IO.Compression;
using FleetProfiler.Profiles.Tests.Pprof;

namespace FleetProfiler.Profiles.Tests.Formats;

/// <summary>Decodes what <see cref="PprofEncoder"/> writes with classes generated from pprof's profile.proto.</summary>
public class PprofEncoderTests
{
    private static readonly Frame Main = new("app!Program.Main(string[])", "src/Program.cs", 10);
    private static readonly Frame Handle = new("app!Api.Handle(Request)", "src/Api.cs", 42);
    private static readonly Frame HandleOtherLine = new("app!Api.Handle(Request)", "src/Api.cs", 57);
    private static readonly Frame Serialize = new("app!Json.Serialize(object)", "src/Json.cs", 7);
    private static readonly Frame Query = new("app!Db.Query(string)", "src/Db.cs", 99);

    private static CallTree Sample()
    {
        var tree = new CallTree();
        tree.Add([Main, Handle, Serialize], new SampleValues(30, 40, 8192, 4));
        tree.Add([Main, HandleOtherLine, Query], new SampleValues(10, 100, 0, 0));
        tree.Add([Main, Handle], new SampleValues(5, 5, 1024, 1));
        tree.Add([Main, Handle, Serialize, Serialize], new SampleValues(2, 2, 0, 0));   // recursion
        return tree;
    }

    private static Profile Decode(byte[] gzipped)
    {
        Assert.Equal(new byte[] { 0x1F, 0x8B }, gzipped[..2]);
        using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        return Profile.Parser.ParseFrom(gzip);
    }

    [Fact]
    public void Cpu_profile_has_sample_types_with_units_period_and_times()
    {
        var start = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var profile = Decode(PprofEncoder.Encode(Sample(), ProfileKind.Cpu, new PprofOptions
        {
            SamplingInterval = TimeSpan.FromMilliseconds(10),
            Start = start,
            Duration = TimeSpan.FromSeconds(10),
            Comments = ["service=checkout"],
        }));
        string S(long i) => profile.StringTable[(int)i];
        Assert.Equal("", profile.StringTable[0]);
        Assert.Equal(new[] { ("samples", "count"), ("cpu", "nanoseconds") }, profile.SampleType.Select(t => (S(t.Type), S(t.Unit))));
        Assert.Equal(("cpu", "nanoseconds"), (S(profile.PeriodType.Type), S(profile.PeriodType.Unit)));
        Assert.Equal(10_000_000, profile.Period);
        Assert.Equal("cpu", S(profile.DefaultSampleType));
        Assert.Equal(start.ToUnixTimeMilliseconds() * 1_000_000, profile.TimeNanos);
        Assert.Equal(10_000_000_000, profile.DurationNanos);
        Assert.Equal("service=checkout", S(Assert.Single(profile.Comment)));
    }

    [Fact]
    public void Sample_values_add_up_to_the_tree_total()
    {
        var tree = Sample();
        var profile = Decode(PprofEncoder.Encode(tree, ProfileKind.Cpu, new PprofOptions { SamplingInterval = TimeSpan.FromMilliseconds(1) }));
        Assert.All(profile.Sample, s => Assert.Equal(2, s.Value.Count));
        Assert.Equal(tree.Total.CpuSamples, profile.Sample.Sum(s => s.Value[0]));
        Assert.Equal(tree.Total.CpuSamples * 1_000_000, profile.Sample.Sum(s => s.Value[1]));
    }

    [Fact]
    public void Alloc_profile_reports_objects_and_space()
    {
        var tree = Sample();
        var profile = Decode(PprofEncoder.Encode(tree, ProfileKind.Alloc, new PprofOptions { AllocationSamplingBytes = 100_000 }));
        string S(long i) => profile.StringTable[(int)i];
        Assert.Equal(new[] { ("alloc_objects", "count"), ("alloc_space", "bytes") }, profile.SampleType.Select(t => (S(t.Type), S(t.Unit))));
        Assert.Equal("alloc_space", S(profile.DefaultSampleType));
        Assert.Equal(100_000, profile.Period);
        Assert.Equal(tree.Total.AllocCount, profile.Sample.Sum(s => s.Value[0]));
        Assert.Equal(tree.Total.AllocBytes, profile.Sample.Sum(s => s.Value[1]));
        Assert.Equal(2, profile.Sample.Count);   // stacks without allocations are left out
    }

    [Fact]
    public void Every_location_has_a_function_with_name_and_file_and_a_line()
    {
        var profile = Decode(PprofEncoder.Encode(Sample(), ProfileKind.Wall));
        var functions = profile.Function.ToDictionary(f => f.Id);
        var mappings = profile.Mapping.Select(m => m.Id).ToHashSet();
        Assert.Equal(5, profile.Location.Count);    // one per distinct frame (Handle has two lines)
        Assert.Equal(4, profile.Function.Count);    // one per distinct (name, file)
        Assert.All(profile.Location, location =>
        {
            Assert.NotEqual(0UL, location.Id);
            Assert.Contains(location.MappingId, mappings);
            var line = Assert.Single(location.Line);
            Assert.True(line.Line_ > 0);
            var function = functions[line.FunctionId];
            Assert.NotEqual("", profile.StringTable[(int)function.Name]);
            Assert.EndsWith(".cs", profile.StringTable[(int)function.Filename]);
        });
        Assert.Equal(profile.Location.Count, profile.Location.Select(l => l.Id).Distinct().Count());
    }

    [Fact]
    public void Samples_list_locations_leaf_first_and_rebuild_the_same_stacks()
    {
        var tree = Sample();
        var profile = Decode(PprofEncoder.Encode(tree, ProfileKind.Wall));
        var locations = profile.Location.ToDictionary(l => l.Id);
        var functions = profile.Function.ToDictionary(f => f.Id);
        var rebuilt = new CallTree();
        foreach (var sample in profile.Sample)
        {
            var rootFirst = sample.LocationId.Reverse().Select(id =>
            {
                var line = locations[id].Line[0];
                var function = functions[line.FunctionId];
                return new Frame(profile.StringTable[(int)function.Name], profile.StringTable[(int)function.Filename], (int)line.Line_);
            }).ToArray();
            rebuilt.Add(rootFirst, SampleValues.Wall(sample.Value[0]));
        }
        var expected = new CallTree();
        tree.ForEachStack((stack, self) =>
        {
            if (self.WallSamples != 0) expected.Add(stack.ToArray().Select(f => tree.Frames[f]).ToArray(), SampleValues.Wall(self.WallSamples));
        });
        Assert.Equal(TestTrees.Canonical(expected), TestTrees.Canonical(rebuilt));
        Assert.Equal(FoldedFormat.Write(tree, ProfileKind.Wall), FoldedFormat.Write(rebuilt, ProfileKind.Wall));
        Assert.Equal(tree.Total.WallSamples, rebuilt.Total.WallSamples);
    }

    [Fact]
    public void Empty_tree_encodes_a_valid_profile_without_samples()
    {
        var profile = Decode(PprofEncoder.Encode(new CallTree(), ProfileKind.Cpu));
        Assert.Empty(profile.Sample);
        Assert.Equal(2, profile.SampleType.Count);
    }
}
