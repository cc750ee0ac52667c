namespace FleetProfiler.Profiles.Tests;

public class ProfileTypesTests
{
    [Fact]
    public void Every_kind_of_the_enum_is_registered_once_under_its_wire_name()
    {
        Assert.Equal(Enum.GetValues<ProfileKind>(), ProfileTypes.All.Select(t => t.Kind));
        Assert.Equal(["cpu", "wall", "alloc", "inuse"], ProfileTypes.Names);
        foreach (var kind in Enum.GetValues<ProfileKind>())
            Assert.Equal(kind, ProfileTypes.Of(kind).Kind);
    }

    [Fact]
    public void Names_parse_exactly_and_unknown_or_differently_cased_names_do_not()
    {
        Assert.True(ProfileTypes.TryParse("alloc", out var alloc));
        Assert.Equal(ProfileKind.Alloc, alloc.Kind);
        Assert.False(ProfileTypes.TryParse("ALLOC", out _));
        Assert.False(ProfileTypes.TryParse("heap", out _));
        Assert.False(ProfileTypes.TryParse(null, out _));
        Assert.Equal("cpu, wall, alloc or inuse", ProfileTypes.NameList);
    }

    [Fact]
    public void Each_kind_reads_its_own_column_with_its_unit()
    {
        var v = new SampleValues(CpuSamples: 1, WallSamples: 2, AllocBytes: 3, AllocCount: 4);
        Assert.Equal((1L, 1L, "samples", "cpu samples"), (v.Get(ProfileKind.Cpu), v.GetSecondary(ProfileKind.Cpu), ProfileTypes.Of(ProfileKind.Cpu).Unit, ProfileTypes.Of(ProfileKind.Cpu).Quantity));
        Assert.Equal((2L, 2L, "samples", "wall samples"), (v.Get(ProfileKind.Wall), v.GetSecondary(ProfileKind.Wall), ProfileTypes.Of(ProfileKind.Wall).Unit, ProfileTypes.Of(ProfileKind.Wall).Quantity));
        Assert.Equal((3L, 4L, "bytes", "bytes allocated"), (v.Get(ProfileKind.Alloc), v.GetSecondary(ProfileKind.Alloc), ProfileTypes.Of(ProfileKind.Alloc).Unit, ProfileTypes.Of(ProfileKind.Alloc).Quantity));
        Assert.Equal(new SampleValues(0, 0, 7, 0), SampleValues.Of(ProfileKind.Alloc, 7));
    }

    [Fact]
    public void An_unregistered_kind_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProfileTypes.Of((ProfileKind)99));
    }
}
