namespace FleetProfiler.Profiles.Tests;

public class FrameTableTests
{
    [Fact]
    public void Intern_gives_one_id_per_distinct_frame()
    {
        var table = new FrameTable();
        int a = table.Intern("A.M()", "a.cs", 3);
        Assert.Equal(a, table.Intern(new Frame("A.M()", "a.cs", 3)));
        Assert.NotEqual(a, table.Intern("A.M()", "a.cs", 4));
        Assert.NotEqual(a, table.Intern("A.M()"));
        Assert.Equal(3, table.Count);
        Assert.Equal(new Frame("A.M()", "a.cs", 3), table[a]);
    }

    [Fact]
    public void A_presized_table_grows_past_its_size_and_gives_the_same_ids_as_a_default_one()
    {
        var presized = new FrameTable(frames: 2, strings: 3);
        var plain = new FrameTable();
        for (var i = 0; i < 100; i++)
        {
            var frame = new Frame($"N.T.M{i % 40}()", i % 3 == 0 ? null : $"f{i % 7}.cs", i % 5);
            Assert.Equal(plain.Intern(frame), presized.Intern(frame));
        }
        Assert.Equal(plain.Count, presized.Count);
        Assert.Equal(plain.StringCount, presized.StringCount);
        for (var id = 0; id < plain.Count; id++) Assert.Equal(plain[id], presized[id]);
    }

    [Fact]
    public void Strings_are_stored_once()
    {
        var table = new FrameTable();
        table.Intern("f", "same.cs", 1);
        table.Intern("f", "same.cs", 2);
        table.Intern("g", "same.cs", 3);
        Assert.Equal(3, table.StringCount);   // f, same.cs, g
        Assert.Equal(table.GetFunctionStringId(0), table.GetFunctionStringId(1));
    }

    [Fact]
    public void Empty_file_means_no_file()
    {
        var table = new FrameTable();
        Assert.Equal(table.Intern("f"), table.Intern("f", "", 0));
        Assert.Null(table.GetFile(0));
    }

    [Fact]
    public void Span_intern_matches_string_intern()
    {
        var table = new FrameTable();
        int id = table.Intern("System.String.Concat(string,string)");
        Assert.Equal(id, table.Intern("xx System.String.Concat(string,string)".AsSpan(3)));
    }

    [Fact]
    public void TryGetId_does_not_add()
    {
        var table = new FrameTable();
        Assert.False(table.TryGetId(new Frame("f"), out _));
        Assert.Equal(0, table.Count);
        table.Intern("f");
        Assert.True(table.TryGetId(new Frame("f"), out int id));
        Assert.Equal(0, id);
    }

    [Fact]
    public void Unknown_ids_throw()
    {
        var table = new FrameTable();
        Assert.Throws<ArgumentOutOfRangeException>(() => table[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Intern("f", null, -1));
    }
}
