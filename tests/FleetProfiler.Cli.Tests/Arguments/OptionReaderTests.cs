namespace FleetProfiler.Cli.Tests.Arguments;

public sealed class OptionReaderTests
{
    private static readonly OptionSpec[] Specs = [new("--service"), new("--files", IsFlag: true), new("--output", Alias: "-o"), new("--limit")];

    private static OptionReader Parse(params string[] args) => OptionReader.Parse("top", args, Specs);

    [Fact]
    public void Reads_values_flags_aliases_and_equals_syntax()
    {
        var o = Parse("--service", "api", "--files", "-o", "out.svg", "--limit=5");

        Assert.Equal("api", o.Value("--service"));
        Assert.True(o.Flag("--files"));
        Assert.Equal("out.svg", o.Value("--output"));
        Assert.Equal(5, o.Int("--limit", 1, 1000));
        Assert.Null(o.Value("--missing"));
    }

    [Fact]
    public void A_dash_is_a_value_for_output() => Assert.Equal("-", Parse("-o", "-").Value("--output"));

    [Theory]
    [InlineData(new[] { "--srevice", "api" }, "unknown option '--srevice' for 'top'")]
    [InlineData(new[] { "--service" }, "--service needs a value")]
    [InlineData(new[] { "--service", "--files" }, "--service needs a value")]
    [InlineData(new[] { "--service=" }, "--service needs a value")]
    [InlineData(new[] { "--service", "a", "--service", "b" }, "--service given more than once")]
    [InlineData(new[] { "api" }, "unexpected argument 'api' for 'top'")]
    [InlineData(new[] { "--files=yes" }, "--files takes no value")]
    public void Mistakes_name_the_option(string[] args, string message)
    {
        var e = Assert.Throws<UsageException>(() => { var o = Parse(args); o.Value("--service"); });
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("ten")]
    [InlineData("-3")]
    public void Whole_numbers_are_checked_against_their_bounds(string limit) =>
        Assert.StartsWith($"--limit: '{limit}' is not a whole number between 1 and 1000",
            Assert.Throws<UsageException>(() => Parse($"--limit={limit}").Int("--limit", 1, 1000)).Message);

    [Fact]
    public void Required_and_one_of_say_what_is_expected()
    {
        Assert.Equal("--service is required", Assert.Throws<UsageException>(() => Parse().Required("--service")).Message);
        Assert.Equal("--service: unknown value 'x' (a, b)", Assert.Throws<UsageException>(() => Parse("--service", "x").OneOf("--service", "a", "b")).Message);
    }
}
