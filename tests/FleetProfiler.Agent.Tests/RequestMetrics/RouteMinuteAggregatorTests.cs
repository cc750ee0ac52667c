using FleetProfiler.Agent.RequestMetrics;

namespace FleetProfiler.Agent.Tests.RequestMetrics;

public sealed class RouteMinuteAggregatorTests
{
    private static readonly DateTime T0 = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);
    private static readonly DateTimeOffset Minute0 = new(T0);

    private static Dictionary<double, double> Q(double p50, double p95, double p99) => new() { [0.5] = p50, [0.95] = p95, [0.99] = p99 };

    private static readonly RouteKey Items = new("GET", "/items/{id}", "2xx");

    [Fact]
    public void Intervals_of_a_minute_add_their_counts_and_sums_exactly()
    {
        var a = new RouteMinuteAggregator(10);
        for (var i = 0; i < 6; i++)
        {
            a.Add("svc", T0.AddSeconds(10 * i), T0.AddSeconds(10 * (i + 1)), Items, 7, 0.7, Q(0.1, 0.2, 0.3));
        }

        var row = Assert.Single(Assert.Single(a.TakeAll()).Rows);
        Assert.Equal(Minute0, row.Minute);
        Assert.Equal(42, row.Requests);
        Assert.Equal(4200, row.DurationSumMs, 6);
    }

    [Fact]
    public void A_minutes_percentiles_are_the_request_weighted_mean_of_its_intervals()
    {
        var a = new RouteMinuteAggregator(10);
        a.Add("svc", T0, T0.AddSeconds(10), Items, 1, 0.01, Q(0.010, 0.020, 0.030));
        a.Add("svc", T0.AddSeconds(10), T0.AddSeconds(20), Items, 3, 0.09, Q(0.030, 0.040, 0.050));

        var row = Assert.Single(Assert.Single(a.TakeAll()).Rows);
        // (1 × 10 + 3 × 30) / 4 = 25 ms; (1 × 20 + 3 × 40) / 4 = 35; (1 × 30 + 3 × 50) / 4 = 45.
        Assert.Equal(25, row.P50Ms, 9);
        Assert.Equal(35, row.P95Ms, 9);
        Assert.Equal(45, row.P99Ms, 9);
    }

    [Fact]
    public void An_interval_belongs_to_the_minute_of_its_midpoint()
    {
        Assert.Equal(Minute0, RouteMinuteAggregator.MinuteOf(T0.AddSeconds(50), T0.AddSeconds(60)));
        Assert.Equal(Minute0, RouteMinuteAggregator.MinuteOf(T0.AddSeconds(50).AddMilliseconds(30), T0.AddSeconds(60).AddMilliseconds(30)));
        Assert.Equal(Minute0.AddMinutes(1), RouteMinuteAggregator.MinuteOf(T0.AddSeconds(55), T0.AddSeconds(66)));
    }

    [Fact]
    public void Only_finished_minutes_are_taken_and_each_only_once()
    {
        var a = new RouteMinuteAggregator(10);
        a.Add("svc", T0, T0.AddSeconds(10), Items, 2, 0.02, Q(0.01, 0.01, 0.01));
        a.Add("svc", T0.AddSeconds(60), T0.AddSeconds(70), Items, 5, 0.05, Q(0.01, 0.01, 0.01));

        Assert.Empty(a.TakeCompleted(Minute0.AddSeconds(59)));
        var first = Assert.Single(a.TakeCompleted(Minute0.AddMinutes(1)));
        Assert.Equal(2, Assert.Single(first.Rows).Requests);
        Assert.Empty(a.TakeCompleted(Minute0.AddMinutes(1)));
        Assert.Equal(5, Assert.Single(Assert.Single(a.TakeAll()).Rows).Requests);
    }

    [Fact]
    public void Empty_intervals_add_no_rows()
    {
        var a = new RouteMinuteAggregator(10);
        a.Add("svc", T0, T0.AddSeconds(10), Items, 0, 0, new Dictionary<double, double>());

        Assert.Empty(a.TakeAll());
    }

    [Fact]
    public void Services_and_status_classes_keep_their_own_rows()
    {
        var a = new RouteMinuteAggregator(10);
        a.Add("orders", T0, T0.AddSeconds(10), Items, 4, 0.04, Q(0.01, 0.01, 0.01));
        a.Add("orders", T0, T0.AddSeconds(10), Items with { StatusClass = "5xx" }, 1, 0.5, Q(0.5, 0.5, 0.5));
        a.Add("billing", T0, T0.AddSeconds(10), Items, 9, 0.09, Q(0.01, 0.01, 0.01));

        var taken = a.TakeAll();
        Assert.Equal(["billing", "orders"], taken.Select(s => s.Service));
        Assert.Equal([("2xx", 4L), ("5xx", 1L)], taken[1].Rows.Select(r => (r.StatusClass, r.Requests)));
    }

    [Fact]
    public void Routes_over_the_cap_fold_into_one_other_routes_row_per_status_class_keeping_every_request()
    {
        var a = new RouteMinuteAggregator(2);
        a.Add("svc", T0, T0.AddSeconds(10), new RouteKey("GET", "/a", "2xx"), 50, 0.5, Q(0.01, 0.01, 0.01));
        a.Add("svc", T0, T0.AddSeconds(10), new RouteKey("POST", "/a", "2xx"), 5, 0.05, Q(0.01, 0.01, 0.01));
        a.Add("svc", T0, T0.AddSeconds(10), new RouteKey("GET", "/b", "2xx"), 40, 0.4, Q(0.01, 0.01, 0.01));
        a.Add("svc", T0, T0.AddSeconds(10), new RouteKey("GET", "/c", "2xx"), 3, 0.03, Q(0.010, 0.010, 0.010));
        a.Add("svc", T0, T0.AddSeconds(10), new RouteKey("GET", "/d", "2xx"), 1, 0.01, Q(0.050, 0.050, 0.050));
        a.Add("svc", T0, T0.AddSeconds(10), new RouteKey("GET", "/d", "5xx"), 2, 0.02, Q(0.01, 0.01, 0.01));

        var rows = Assert.Single(a.TakeAll()).Rows;

        // /a (55) and /b (40) keep their rows; /c and /d are folded, by status class, method "".
        Assert.Equal(
            [("GET", "/a", "2xx", 50L), ("POST", "/a", "2xx", 5L), ("GET", "/b", "2xx", 40L), ("", "[other routes]", "2xx", 4L), ("", "[other routes]", "5xx", 2L)],
            rows.Select(r => (r.Method, r.Route, r.StatusClass, r.Requests)));
        Assert.Equal(101, rows.Sum(r => r.Requests));
        // The folded percentile is weighted by requests: (3 × 10 + 1 × 50) / 4 = 20 ms.
        Assert.Equal(20, rows.Single(r => r is { Route: "[other routes]", StatusClass: "2xx" }).P50Ms, 9);
    }

    [Fact]
    public void Ties_at_the_cap_go_to_the_ordinally_smaller_route_whatever_the_arrival_order()
    {
        foreach (var order in new[] { new[] { "/y", "/x" }, new[] { "/x", "/y" } })
        {
            var a = new RouteMinuteAggregator(1);
            foreach (var route in order)
            {
                a.Add("svc", T0, T0.AddSeconds(10), new RouteKey("GET", route, "2xx"), 3, 0.03, Q(0.01, 0.01, 0.01));
            }
            Assert.Equal(["/x", "[other routes]"], Assert.Single(a.TakeAll()).Rows.Select(r => r.Route));
        }
    }

    [Theory]
    [InlineData("2026-11-29T10:00:00Z", 10, 0)]
    [InlineData("2026-11-29T10:00:01Z", 10, 9)]
    [InlineData("2026-11-29T10:00:09.5Z", 10, 0.5)]
    [InlineData("2026-11-29T10:00:59Z", 60, 1)]
    public void Sessions_start_on_the_next_utc_multiple_of_the_interval(string now, int interval, double expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RequestMetricsCollector.UntilAligned(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), interval));
}
