namespace FleetProfiler.Profiles.Tests;

public class SampleValuesTests
{
    [Fact]
    public void Get_returns_the_main_value_of_each_kind()
    {
        var v = new SampleValues(1, 2, 3, 4);
        Assert.Equal(1, v.Get(ProfileKind.Cpu));
        Assert.Equal(2, v.Get(ProfileKind.Wall));
        Assert.Equal(3, v.Get(ProfileKind.Alloc));
        Assert.Equal(4, v.GetSecondary(ProfileKind.Alloc));
        Assert.Equal(1, v.GetSecondary(ProfileKind.Cpu));
    }

    [Fact]
    public void Add_and_subtract_work_per_component_and_undo_each_other()
    {
        var a = new SampleValues(1, 2, 3, 4);
        var b = new SampleValues(10, 20, 30, 40);
        Assert.Equal(new SampleValues(11, 22, 33, 44), a + b);
        Assert.Equal(new SampleValues(-9, -18, -27, -36), a - b);
        Assert.Equal(a, (a + b) - b);
        Assert.Equal(a + b, a.Add(b));
        Assert.Equal(SampleValues.Zero, a.Subtract(a));
        Assert.True((a - a).IsZero);
    }

    [Fact]
    public void Of_sets_only_the_main_value_of_the_kind()
    {
        Assert.Equal(SampleValues.Cpu(5), SampleValues.Of(ProfileKind.Cpu, 5));
        Assert.Equal(SampleValues.Wall(5), SampleValues.Of(ProfileKind.Wall, 5));
        Assert.Equal(new SampleValues(0, 0, 5, 0), SampleValues.Of(ProfileKind.Alloc, 5));
    }

    [Fact]
    public void ToString_names_the_six_values_instead_of_recursing_into_WithoutGauges()
    {
        // The generated record ToString printed WithoutGauges (a SampleValues) and overflowed the stack.
        Assert.Equal("cpu 1, wall 2, alloc 3 B / 4, inuse 5 B / 6", new SampleValues(1, 2, 3, 4, 5, 6).ToString());
    }
}
