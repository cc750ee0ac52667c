using FleetProfiler.Profiles.Cost;

namespace FleetProfiler.Profiles.Tests.Cost;

/// <summary>
/// Hand-computed tables. November 2026 has 43,200 minutes and costs $43,200 ($1 a minute); December has 44,640
/// minutes and costs $89,280 ($2 a minute). The range is the four minutes around midnight of 30 November.
/// </summary>
public sealed class CostSplitTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 30, 23, 58, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddMinutes(4);

    private static readonly Dictionary<CostMonth, MonthlyCost> Costs = new()
    {
        [new CostMonth(2026, 11)] = MonthlyCost.Create(new CostMonth(2026, 11), 43_200, 720),
        [new CostMonth(2026, 12)] = MonthlyCost.Create(new CostMonth(2026, 12), 89_280, 1_488),
    };

    // Requests per endpoint and minute; "C" is an endpoint that served nothing.
    private static readonly Dictionary<DateTimeOffset, Dictionary<string, double>> Requests = new()
    {
        [From] = new() { ["A"] = 3, ["B"] = 1 },
        [From.AddMinutes(1)] = new() { ["A"] = 0, ["B"] = 0, ["C"] = 0 },
        [From.AddMinutes(2)] = new() { ["A"] = 1, ["B"] = 1 },
        [From.AddMinutes(3)] = new() { ["A"] = 2, ["B"] = 0, ["C"] = 0 },
    };

    // CPU samples per endpoint and minute, with samples outside any request; no window in the last minute.
    private static readonly Dictionary<DateTimeOffset, Dictionary<string, double>> Cpu = new()
    {
        [From] = new() { ["A"] = 1, ["B"] = 3, [CostSplit.NotInRequest] = 4 },
        [From.AddMinutes(1)] = new() { [CostSplit.NotInRequest] = 2 },
        [From.AddMinutes(2)] = new() { ["A"] = 1, ["B"] = 0 },
    };

    private static CostTable Split(Dictionary<DateTimeOffset, Dictionary<string, double>> weights) =>
        CostSplit.Split(From, To, m => weights.GetValueOrDefault(m), Costs);

    [Fact]
    public void By_request_share_each_minute_is_split_by_its_own_requests_and_month()
    {
        var table = Split(Requests);
        Assert.Equal(6.00m, table.TotalUsd);
        Assert.Equal(new Dictionary<string, decimal> { ["A"] = 3.75m, ["B"] = 1.25m, [CostSplit.NoData] = 1.00m }, table.Cents());
        Assert.Empty(table.MonthsWithoutInput);
    }

    [Fact]
    public void By_cpu_share_samples_outside_requests_keep_their_own_row()
    {
        var table = Split(Cpu);
        Assert.Equal(new Dictionary<string, decimal> { ["A"] = 2.13m, ["B"] = 0.37m, [CostSplit.NotInRequest] = 1.50m, [CostSplit.NoData] = 2.00m }, table.Cents());
        Assert.Equal(2.125m, table.Usd["A"]);
        Assert.Equal(0.375m, table.Usd["B"]);
    }

    [Fact]
    public void Cents_add_up_to_the_total_by_largest_remainder()
    {
        var oneMinute = CostSplit.Split(From, From.AddMinutes(1), _ => new Dictionary<string, double> { ["b"] = 1, ["a"] = 1, ["c"] = 1 }, Costs);
        Assert.Equal(new Dictionary<string, decimal> { ["a"] = 0.34m, ["b"] = 0.33m, ["c"] = 0.33m }, oneMinute.Cents());
    }

    [Fact]
    public void Cost_per_thousand_requests_uses_the_rows_cost_and_requests()
    {
        var table = Split(Requests);
        Assert.Equal(625m, table.PerThousandRequests("A", 6));
        Assert.Null(table.PerThousandRequests("C", 0));
    }

    [Fact]
    public void A_month_without_cost_input_is_named_and_charges_nothing()
    {
        var start = new DateTimeOffset(2026, 10, 31, 23, 59, 0, TimeSpan.Zero);
        var table = CostSplit.Split(start, start.AddMinutes(3), _ => new Dictionary<string, double> { ["A"] = 1 }, Costs);
        Assert.Equal([new CostMonth(2026, 10)], table.MonthsWithoutInput);
        Assert.Equal(2.00m, table.TotalUsd);
        Assert.Equal(2.00m, table.Usd["A"]);
    }

    [Fact]
    public void A_ragged_range_covers_the_whole_minutes_it_touches()
    {
        var table = CostSplit.Split(From.AddSeconds(30), From.AddMinutes(1).AddSeconds(1), _ => null, Costs);
        Assert.Equal((From, From.AddMinutes(2)), (table.From, table.To));
        Assert.Equal(2.00m, table.Usd[CostSplit.NoData]);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void Bad_weights_are_refused_naming_the_row(double weight)
    {
        var e = Assert.Throws<ArgumentException>(() => CostSplit.Split(From, To, _ => new Dictionary<string, double> { ["A"] = weight }, Costs));
        Assert.Contains("'A'", e.Message);
    }

    [Fact]
    public void Teams_total_and_average_their_endpoints_and_leave_pseudo_rows_out()
    {
        var table = Split(Requests);
        var owner = new Dictionary<string, string> { ["A"] = "@shop", ["B"] = "@shop" };
        var teams = TeamCosts.Of(table, ["A", "B", "C", CostSplit.NoData], e => owner.GetValueOrDefault(e, "unowned"));

        Assert.Equal(2, teams.Count);
        Assert.Equal(("@shop", 5.00m, 2.50m), (teams[0].Team, teams[0].TotalUsd, teams[0].AverageUsd));
        Assert.Equal(["A", "B"], teams[0].Endpoints);
        Assert.Equal(("unowned", 0m, 0m), (teams[1].Team, teams[1].TotalUsd, teams[1].AverageUsd));
        Assert.Equal(["C"], teams[1].Endpoints);
    }
}

/// <summary>Splits by periods longer than a minute: gaps, a period across the month boundary, bad periods.</summary>
public sealed class CostSplitPeriodTests
{
    private static readonly DateTimeOffset Midnight = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<CostMonth, MonthlyCost> Costs = new()
    {
        [new CostMonth(2026, 11)] = MonthlyCost.Create(new CostMonth(2026, 11), 43_200, 0),
        [new CostMonth(2026, 12)] = MonthlyCost.Create(new CostMonth(2026, 12), 89_280, 0),
    };

    private static UsagePeriod Period(DateTimeOffset from, DateTimeOffset to, double a, double b) =>
        new(from, to, new Dictionary<string, double> { ["A"] = a, ["B"] = b });

    [Fact]
    public void A_period_across_the_month_boundary_pays_each_months_rate_for_its_own_minutes()
    {
        // 23:30–00:30: 30 minutes at $1 and 30 at $2 = $90, split 1:2.
        var table = CostSplit.Split(Midnight.AddMinutes(-30), Midnight.AddMinutes(30), [Period(Midnight.AddMinutes(-30), Midnight.AddMinutes(30), 1, 2)], Costs);
        Assert.Equal((90m, 30m, 60m), (table.TotalUsd, table.Usd["A"], table.Usd["B"]));
    }

    [Fact]
    public void Minutes_no_period_covers_are_no_data_and_periods_are_cut_to_the_range()
    {
        // Range 23:50–00:10 ($10 + $20). Period 23:40–23:55 is cut to 23:50–23:55 ($5); 23:55–00:05 is a gap ($5 + $10);
        // 00:05–00:20 is cut to 00:05–00:10 ($10).
        var table = CostSplit.Split(Midnight.AddMinutes(-10), Midnight.AddMinutes(10),
            [Period(Midnight.AddMinutes(-20), Midnight.AddMinutes(-5), 1, 0), Period(Midnight.AddMinutes(5), Midnight.AddMinutes(20), 0, 1)], Costs);
        Assert.Equal(new Dictionary<string, decimal> { ["A"] = 5m, [CostSplit.NoData] = 15m, ["B"] = 10m }, table.Cents());
        Assert.Equal(30m, table.TotalUsd);
    }

    [Fact]
    public void Overlapping_or_ragged_periods_are_refused()
    {
        var overlap = Assert.Throws<ArgumentException>(() => CostSplit.Split(Midnight, Midnight.AddMinutes(10),
            [Period(Midnight, Midnight.AddMinutes(5), 1, 1), Period(Midnight.AddMinutes(4), Midnight.AddMinutes(6), 1, 1)], Costs));
        Assert.Contains("overlaps", overlap.Message);
        var ragged = Assert.Throws<ArgumentException>(() => CostSplit.Split(Midnight, Midnight.AddMinutes(10),
            [Period(Midnight.AddSeconds(30), Midnight.AddMinutes(5), 1, 1)], Costs));
        Assert.Contains("whole minutes", ragged.Message);
    }

    [Fact]
    public void Cost_of_a_range_adds_each_months_minutes()
    {
        var missing = new HashSet<CostMonth>();
        Assert.Equal(3m, CostSplit.CostOf(Midnight.AddMinutes(-1), Midnight.AddMinutes(1), Costs, missing));
        Assert.Equal(1m, CostSplit.CostOf(new DateTimeOffset(2026, 10, 31, 23, 59, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 1, 0, 1, 0, TimeSpan.Zero), Costs, missing));
        Assert.Equal([new CostMonth(2026, 10)], missing);
    }
}
