using FleetProfiler.Agent.Triggers;

namespace FleetProfiler.Agent.Tests.Triggers;

/// <summary>
/// The hash is deterministic, so these statistical bounds are checked against fixed inputs: they pass or fail the same
/// way on every run. The bounds are 5 standard deviations of the binomial, so a correct uniform hash passes them.
/// </summary>
public sealed class HostSamplingTests
{
    private const int Hosts = 10_000;
    private static readonly IReadOnlyList<string> Fleet = Enumerable.Range(0, Hosts).Select(i => $"ip-10-0-{i / 250}-{i % 250}.eu-west-1.compute.internal").ToList();

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void About_the_configured_fraction_of_a_services_hosts_profile_in_each_period(double fraction)
    {
        var expected = Hosts * fraction;
        var sigma = Math.Sqrt(Hosts * fraction * (1 - fraction));
        for (var period = 2_000_000L; period < 2_000_020; period++)
        {
            var selected = Fleet.Count(h => HostSampling.IsSelected(h, "orders", period, fraction));
            Assert.InRange(selected, expected - 5 * sigma, expected + 5 * sigma);
        }
    }

    [Fact]
    public void Every_host_gets_its_turn_and_the_selection_changes_from_period_to_period()
    {
        const double fraction = 0.1;
        var first = Fleet.Where(h => HostSampling.IsSelected(h, "orders", 7, fraction)).ToHashSet();
        var second = Fleet.Where(h => HostSampling.IsSelected(h, "orders", 8, fraction)).ToHashSet();

        // Independent periods overlap by ~fraction² of the fleet, not by the whole selection.
        var overlap = first.Intersect(second).Count();
        Assert.InRange(overlap, Hosts * fraction * fraction * 0.5, Hosts * fraction * fraction * 1.5);
        // Over many periods a host profiles about fraction of them.
        var host = Fleet[123];
        var periods = Enumerable.Range(0, 2000).Count(p => HostSampling.IsSelected(host, "orders", p, fraction));
        Assert.InRange(periods, 200 - 5 * Math.Sqrt(2000 * 0.09), 200 + 5 * Math.Sqrt(2000 * 0.09));
    }

    private const double PinnedUniform = 0.49256844613510664;
    /// <summary>Which of the first 40 hosts of <see cref="Fleet"/> profile "orders" in period 42 at 30 % (1 = selected).</summary>
    private const string PinnedSelection = "0010000000000100011000000001000010000000";

    [Fact]
    public void Selection_is_decided_per_service_and_is_the_same_on_every_run()
    {
        // Pinned values: a change of the hash reshuffles which hosts of every fleet profile when, so it must be deliberate.
        Assert.Equal(PinnedUniform, HostSampling.Uniform("a", "b"));
        Assert.Equal(PinnedSelection, string.Concat(Fleet.Take(40).Select(h => HostSampling.IsSelected(h, "orders", 42, 0.3) ? '1' : '0')));
        var orders = Fleet.Where(h => HostSampling.IsSelected(h, "orders", 42, 0.3)).ToHashSet();
        var billing = Fleet.Where(h => HostSampling.IsSelected(h, "billing", 42, 0.3)).ToHashSet();
        Assert.NotEqual(orders, billing);
        Assert.All(Fleet.Take(100), h => Assert.True(HostSampling.IsSelected(h, "orders", 42, 1.0)));
    }

    [Fact]
    public void Window_starts_are_spread_over_the_period_so_hosts_do_not_line_up()
    {
        var every = TimeSpan.FromMinutes(15);
        var window = TimeSpan.FromSeconds(10);
        const long period = 1_900_000;
        var periodStart = HostSampling.PeriodStart(period, every);
        var buckets = new int[10];
        foreach (var host in Fleet)
        {
            var start = HostSampling.WindowStart(host, "schedule cpu", period, every, window);
            Assert.InRange(start, periodStart, periodStart + every - window);
            buckets[(int)((start - periodStart) / (every - window) * 10)]++;
        }
        var sigma = Math.Sqrt(Hosts * 0.1 * 0.9);
        Assert.All(buckets, count => Assert.InRange(count, Hosts / 10 - 5 * sigma, Hosts / 10 + 5 * sigma));
        // The same host starts at a different offset in the next period.
        Assert.NotEqual(
            HostSampling.WindowStart("h1", "schedule cpu", period, every, window) - periodStart,
            HostSampling.WindowStart("h1", "schedule cpu", period + 1, every, window) - HostSampling.PeriodStart(period + 1, every));
    }

    [Fact]
    public void The_next_window_is_never_in_the_past_and_at_most_one_per_period()
    {
        var every = TimeSpan.FromSeconds(30);
        var window = TimeSpan.FromSeconds(5);
        var now = new DateTimeOffset(2025, 11, 25, 10, 0, 0, TimeSpan.Zero);
        for (var step = 0; step < 500; step++)
        {
            var t = now + TimeSpan.FromMilliseconds(step * 137);
            var (period, start) = HostSampling.NextWindow("h1", "s", t, every, window);
            Assert.True(start >= t);
            Assert.Equal(period, HostSampling.PeriodOf(start, every));
            Assert.True(start + window <= HostSampling.PeriodStart(period + 1, every));
        }
    }
}
