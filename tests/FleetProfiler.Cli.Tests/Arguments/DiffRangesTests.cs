namespace FleetProfiler.Cli.Tests.Arguments;

public sealed class DiffRangesTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static DiffRanges Resolve(params string[] args) =>
        DiffRanges.Resolve(OptionReader.Parse("diff", args, new DiffCommand().AllOptions), Now);

    [Fact]
    public void Window_and_ago_compare_the_last_window_with_the_same_window_earlier()
    {
        var d = Resolve("--service", "api", "--window", "1h", "--ago", "1d");

        Assert.Equal(new TimeWindow(Now.AddHours(-1), Now), d.B);
        Assert.Equal(new TimeWindow(Now.AddDays(-1).AddHours(-1), Now.AddDays(-1)), d.A);
        Assert.Equal(("api", "api"), (d.ServiceA, d.ServiceB));
        Assert.Null(d.HostA);
    }

    [Fact]
    public void Explicit_ranges_and_per_side_selectors()
    {
        var d = Resolve("--a-service", "api", "--b-service", "api-canary", "--host", "h1", "--b-host", "h2",
            "--a-from", "2026-04-30T10:00:00Z", "--a-to", "2026-04-30T11:00:00Z", "--b-from", "2026-05-01T10:00:00Z", "--b-to", "now");

        Assert.Equal(("api", "h1", "api-canary", "h2"), (d.ServiceA, d.HostA, d.ServiceB, d.HostB));
        Assert.Equal(new DateTimeOffset(2026, 4, 30, 10, 0, 0, TimeSpan.Zero), d.A.From);
        Assert.Equal(Now, d.B.To);
    }

    [Fact]
    public void Two_versions_without_a_range_compare_over_the_last_48_hours_or_since()
    {
        var d = Resolve("--service", "api", "--a-version", "1.0", "--b-version", "2.0");
        Assert.Equal(("1.0", "2.0"), (d.VersionA, d.VersionB));
        Assert.Equal(new TimeWindow(Now.AddHours(-48), Now), d.A);
        Assert.Equal(d.A, d.B);

        var since = Resolve("--service", "api", "--b-version", "2.0", "--since", "6h");
        Assert.Equal((null, "2.0"), (since.VersionA, since.VersionB));
        Assert.Equal(new TimeWindow(Now.AddHours(-6), Now), since.B);

        // Versions narrow explicit ranges too.
        var windowed = Resolve("--service", "api", "--window", "1h", "--ago", "1d", "--a-version", "1.0");
        Assert.Equal(("1.0", null), (windowed.VersionA, windowed.VersionB));
        Assert.Equal(new TimeWindow(Now.AddHours(-1), Now), windowed.B);
    }

    [Theory]
    [InlineData(new[] { "--window", "1h", "--ago", "1d" }, "--service (or --a-service and --b-service) is required")]
    [InlineData(new[] { "--service", "api" }, "say what to compare")]
    [InlineData(new[] { "--service", "api", "--window", "1h" }, "--ago is required")]
    [InlineData(new[] { "--service", "api", "--window", "1h", "--ago", "1d", "--a-from", "2026-05-01" }, "use one of --window/--ago,")]
    [InlineData(new[] { "--service", "api", "--since", "1d" }, "--since compares two versions")]
    [InlineData(new[] { "--service", "api", "--a-version", "1.0", "--since", "1d", "--window", "1h", "--ago", "1d" }, "use one of --window/--ago,")]
    [InlineData(new[] { "--service", "api", "--a-from", "2026-05-01", "--a-to", "2026-05-02" }, "--b-from is required")]
    [InlineData(new[] { "--service", "api", "--a-from", "2026-05-02", "--a-to", "2026-05-01", "--b-from", "2026-05-01", "--b-to", "now" }, "--a-from (2026-05-02T00:00:00Z) must be before --a-to")]
    public void Incomplete_or_mixed_ranges_are_usage_errors(string[] args, string message) =>
        Assert.StartsWith(message, Assert.Throws<UsageException>(() => Resolve(args)).Message);
}
