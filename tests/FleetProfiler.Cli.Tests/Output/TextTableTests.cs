namespace FleetProfiler.Cli.Tests.Output;

public sealed class TextTableTests
{
    [Fact]
    public void Columns_are_aligned_numbers_right_and_the_last_column_unpadded()
    {
        var table = new TextTable(("SELF", true), ("NAME", false), ("TAIL", false))
            .Add("1,234", "a", "x")
            .Add("5", "longer-name", "yy");
        var writer = new StringWriter();

        table.WriteTo(writer);

        Assert.Equal("""
             SELF  NAME         TAIL
            1,234  a            x
                5  longer-name  yy

            """.ReplaceLineEndings(), writer.ToString());
    }

    [Fact]
    public void Shares_and_ages_read_naturally()
    {
        var now = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal("12.3%", Formatting.Percent(0.1234));
        Assert.Equal("45s ago", Formatting.Ago(now.AddSeconds(-45), now));
        Assert.Equal("3h ago", Formatting.Ago(now.AddHours(-3.5), now));
        Assert.Equal("just now", Formatting.Ago(now.AddSeconds(5), now));
        Assert.Equal("2026-05-01 12:00:00Z", Formatting.Time(now));
    }
}
