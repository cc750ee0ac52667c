namespace FleetProfiler.Cli.Tests.Arguments;

public sealed class TimeWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public void Since_is_the_last_duration_up_to_now() =>
        Assert.Equal(new TimeWindow(Now.AddMinutes(-15), Now), TimeWindow.Resolve("15m", null, null, Now, Hour));

    [Fact]
    public void Nothing_means_the_default_length() =>
        Assert.Equal(new TimeWindow(Now - Hour, Now), TimeWindow.Resolve(null, null, null, Now, Hour));

    [Fact]
    public void From_and_to_are_iso_times_and_utc_without_an_offset()
    {
        var w = TimeWindow.Resolve(null, "2026-05-01T10:00:00", "2026-05-01T12:30:00+02:00", Now, Hour);

        Assert.Equal(new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.Zero), w.From);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 10, 30, 0, TimeSpan.Zero), w.To);
    }

    [Fact]
    public void To_defaults_to_now_and_accepts_now()
    {
        Assert.Equal(Now, TimeWindow.Resolve(null, "2026-05-01", null, Now, Hour).To);
        Assert.Equal(Now, TimeWindow.Resolve(null, "2026-05-01 11:00", "now", Now, Hour).To);
    }

    [Fact]
    public void From_after_to_is_rejected_with_both_times()
    {
        var e = Assert.Throws<UsageException>(() => TimeWindow.Resolve(null, "2026-05-02T00:00:00Z", "2026-05-01T00:00:00Z", Now, Hour));

        Assert.Equal("--from (2026-05-02T00:00:00Z) must be before --to (2026-05-01T00:00:00Z)", e.Message);
    }

    [Fact]
    public void An_empty_range_is_rejected() =>
        Assert.Contains("the range is empty",
            Assert.Throws<UsageException>(() => TimeWindow.Resolve(null, "2026-05-01T10:00:00Z", "2026-05-01T10:00:00Z", Now, Hour)).Message);

    [Theory]
    [InlineData("1h", "2026-05-01", null, "use either --since or --from/--to, not both")]
    [InlineData(null, null, "2026-05-01", "--to needs --from")]
    [InlineData(null, "yesterday", null, "--from: 'yesterday' is not an ISO 8601 time")]
    [InlineData(null, "2026-05-01", "05/02/2026", "--to: '05/02/2026' is not an ISO 8601 time")]
    [InlineData("1 hour", null, null, "--since: '1 hour' is not a duration")]
    public void Mistakes_are_usage_errors_naming_the_option(string? since, string? from, string? to, string message) =>
        Assert.StartsWith(message, Assert.Throws<UsageException>(() => TimeWindow.Resolve(since, from, to, Now, Hour)).Message);
}
