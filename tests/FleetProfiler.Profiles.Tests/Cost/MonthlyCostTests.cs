using FleetProfiler.Profiles.Cost;

namespace FleetProfiler.Profiles.Tests.Cost;

public sealed class MonthlyCostTests
{
    [Theory]
    [InlineData("2026-11", 2026, 11)]
    [InlineData("2000-01", 2000, 1)]
    [InlineData("2999-12", 2999, 12)]
    public void Months_are_written_year_dash_month(string text, int year, int month)
    {
        var m = CostMonth.Parse(text);
        Assert.Equal((year, month), (m.Year, m.Month));
        Assert.Equal(text, m.ToString());
    }

    [Theory]
    [InlineData("2026-13")]
    [InlineData("2026-00")]
    [InlineData("2026-1")]
    [InlineData("26-11")]
    [InlineData("2026/11")]
    [InlineData("1999-12")]
    [InlineData("+026-11")]
    [InlineData("November")]
    [InlineData("")]
    public void Other_month_formats_are_refused_naming_the_value(string text)
    {
        var e = Assert.Throws<ProfileDataException>(() => CostMonth.Parse(text));
        Assert.Equal($"month: '{text}' is not a month written YYYY-MM (e.g. 2026-11)", e.Message);
    }

    [Theory]
    [InlineData(2026, 2, 40_320)]
    [InlineData(2028, 2, 41_760)]
    [InlineData(2026, 11, 43_200)]
    [InlineData(2026, 12, 44_640)]
    public void A_months_minutes_follow_the_calendar(int year, int month, int minutes) =>
        Assert.Equal(minutes, new CostMonth(year, month).Minutes);

    [Fact]
    public void Months_order_and_bound_their_instants()
    {
        Assert.True(new CostMonth(2026, 12).CompareTo(new CostMonth(2027, 1)) < 0);
        Assert.Equal(new CostMonth(2026, 11), CostMonth.Of(new DateTimeOffset(2026, 12, 1, 0, 30, 0, TimeSpan.FromHours(1))));
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), new CostMonth(2026, 12).End);
    }

    [Fact]
    public void Cost_per_minute_and_per_instance_hour()
    {
        var c = MonthlyCost.Create(new CostMonth(2026, 11), 12_000, 2_160);
        Assert.Equal(12_000m / 43_200, c.UsdPerMinute);
        Assert.Equal(0.05m, c.InstanceHoursPerMinute);
        Assert.Equal(12_000m / 2_160, c.UsdPerInstanceHour);
        Assert.Null(MonthlyCost.Create(new CostMonth(2026, 11), 10, 0).UsdPerInstanceHour);
        Assert.Equal(0.1m, MonthlyCost.Create(new CostMonth(2026, 11), 0.1, 0).Usd);
    }

    [Theory]
    [InlineData(-0.01, 1, "usd: -0.01 is not an amount between 0 and 1000000000")]
    [InlineData(double.NaN, 1, "usd: NaN is not an amount between 0 and 1000000000")]
    [InlineData(1e10, 1, "usd: 10000000000 is not an amount between 0 and 1000000000")]
    [InlineData(1, double.PositiveInfinity, "instance_hours: Infinity is not a number between 0 and 1000000000")]
    [InlineData(1, -5, "instance_hours: -5 is not a number between 0 and 1000000000")]
    public void Negative_non_finite_or_absurd_figures_are_refused_naming_the_field(double usd, double hours, string message) =>
        Assert.Equal(message, Assert.Throws<ProfileDataException>(() => MonthlyCost.Create(new CostMonth(2026, 11), usd, hours)).Message);
}
