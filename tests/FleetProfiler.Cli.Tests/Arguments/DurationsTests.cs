namespace FleetProfiler.Cli.Tests.Arguments;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 15 * 60)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 2 * 86_400)]
    [InlineData("1w", 7 * 86_400)]
    [InlineData(" 90s ", 90)]
    public void Parses_a_whole_number_and_a_unit(string text, long seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text, "--since"));

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("1")]
    [InlineData("1y")]
    [InlineData("1H")]
    [InlineData("-1h")]
    [InlineData("1.5h")]
    [InlineData("1h30m")]
    [InlineData("one hour")]
    public void Rejects_anything_else_naming_the_option_and_the_units(string text)
    {
        var e = Assert.Throws<UsageException>(() => Durations.Parse(text, "--since"));
        Assert.StartsWith($"--since: '{text}' is not a duration", e.Message);
        Assert.Contains("30s, 15m, 1h, 2d, 1w", e.Message);
    }

    [Fact]
    public void Rejects_zero_and_absurd_lengths()
    {
        Assert.Contains("must be positive", Assert.Throws<UsageException>(() => Durations.Parse("0m", "--ago")).Message);
        Assert.Contains("longer than 100 years", Assert.Throws<UsageException>(() => Durations.Parse("999999999w", "--ago")).Message);
    }

    [Theory]
    [InlineData(90, "90s")]
    [InlineData(60, "1m")]
    [InlineData(7200, "2h")]
    [InlineData(86_400, "1d")]
    [InlineData(1_209_600, "2w")]
    public void Formats_the_shortest_exact_spelling(long seconds, string text) =>
        Assert.Equal(text, Durations.Format(TimeSpan.FromSeconds(seconds)));
}
