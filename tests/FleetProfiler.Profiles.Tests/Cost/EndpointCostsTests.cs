using FleetProfiler.Profiles.Cost;

namespace FleetProfiler.Profiles.Tests.Cost;

/// <summary>
/// Hand-computed endpoint cost tables. November 2026 costs $43,200 over 43,200 minutes ($1 a minute, 720
/// instance-hours); December $89,280 over 44,640 minutes ($2 a minute). The range is the four minutes around
/// midnight of 30 November: 23:58 and 23:59 at $1, 00:00 and 00:01 at $2, $6 in all.
/// </summary>
public sealed class EndpointCostsTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 30, 23, 58, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddMinutes(4);

    private static readonly Dictionary<CostMonth, MonthlyCost> Costs = new()
    {
        [new CostMonth(2026, 11)] = MonthlyCost.Create(new CostMonth(2026, 11), 43_200, 720),
        [new CostMonth(2026, 12)] = MonthlyCost.Create(new CostMonth(2026, 12), 89_280, 1_488),
    };

    private static UsagePeriod Minute(int offset, params (string Name, double Weight)[] weights) =>
        new(From.AddMinutes(offset), From.AddMinutes(offset + 1), weights.ToDictionary(w => w.Name, w => w.Weight));

    // Requests: 23:59 had none at all (its $1 has nothing to divide it by).
    private static readonly UsagePeriod[] Requests =
    [
        Minute(0, ("GET /a", 3), ("GET /b", 1)),
        Minute(2, ("GET /a", 1), ("GET /b", 1)),
        Minute(3, ("GET /a", 2)),
    ];

    // CPU windows: one on 30 November (with samples outside any request), one on 1 December.
    private static readonly UsagePeriod[] Cpu =
    [
        Minute(0, ("GET /a", 1), ("GET /b", 3), (CostSplit.NotInRequest, 4)),
        Minute(3, ("GET /a", 3), ("GET /b", 1)),
    ];

    // Allocation: one window on 30 November only; 1 December has no allocation window.
    private static readonly UsagePeriod[] Alloc =
    [
        Minute(1, ("GET /b", 1_000), (CostSplit.NotInRequest, 1_000)),
    ];

    private static EndpointCostReport Report(int maxRows = EndpointCosts.MaxRows) =>
        EndpointCosts.Compute(new EndpointUsage(From, To, Requests, Cpu, Alloc, Windows: 3, SamplingIntervalMs: 10), Costs, ["GET /idle"], maxRows);

    private static EndpointCost Row(EndpointCostReport r, string endpoint) => r.Endpoints.Single(e => e.Endpoint == endpoint);

    [Fact]
    public void By_request_share_each_minute_pays_its_own_month_and_the_minute_without_requests_is_no_data()
    {
        var r = Report();
        // /a: 3/4 of $1 + 1/2 of $2 + all of $2 = 3.75; /b: 1/4 of $1 + 1/2 of $2 = 1.25; 23:59: $1 no data.
        Assert.Equal((6m, 6.00m, 4L), (r.TotalUsd, r.TotalCents, r.Minutes));
        Assert.Equal((3.75m, 1.25m, 0m, 1.00m), (Row(r, "GET /a").Cents.Requests, Row(r, "GET /b").Cents.Requests, Row(r, "GET /idle").Cents.Requests, r.NoData.Cents.Requests));
        Assert.Equal(0m, r.NotInRequest.Usd.Requests);
        Assert.Equal((625m, 625m), (Row(r, "GET /a").UsdPerThousandRequests(CostBasis.Requests), Row(r, "GET /b").UsdPerThousandRequests(CostBasis.Requests)));
        Assert.Equal(0.9375m, Row(r, "GET /a").UsdPerMinute(CostBasis.Requests));
        Assert.Equal((6L, 2L), (Row(r, "GET /a").Requests, Row(r, "GET /b").Requests));
        Assert.Equal((0.75, 0.25), (Row(r, "GET /a").Share.Requests, Row(r, "GET /b").Share.Requests));
    }

    [Fact]
    public void By_cpu_share_each_day_is_split_by_its_windows_and_samples_outside_requests_keep_their_cost()
    {
        var r = Report();
        // 30 Nov (23:58–00:00, $2) by 1:3:4 → /a 0.25, /b 0.75, [not in a request] 1.00;
        // 1 Dec (00:00–00:02, $4) by 3:1 → /a 3.00, /b 1.00.
        Assert.Equal((3.25m, 1.75m, 1.00m, 0m), (Row(r, "GET /a").Usd.Cpu, Row(r, "GET /b").Usd.Cpu, r.NotInRequest.Usd.Cpu, r.NoData.Usd.Cpu));
        Assert.Equal((541.67m, 875m), (Math.Round(Row(r, "GET /a").UsdPerThousandRequests(CostBasis.Cpu)!.Value, 2), Row(r, "GET /b").UsdPerThousandRequests(CostBasis.Cpu)));
        Assert.Equal((4L, 4L, 4L), (Row(r, "GET /a").CpuSamples, Row(r, "GET /b").CpuSamples, r.NotInRequest.CpuSamples));
        Assert.Equal(1d / 3, r.NotInRequest.Share.Cpu, 12);
        Assert.Equal(0.04, Row(r, "GET /a").CpuSeconds, 12); // 4 samples × 10 ms
        Assert.Equal(3, r.Windows);
    }

    [Fact]
    public void By_allocation_share_a_day_without_an_allocation_window_is_no_data()
    {
        var r = Report();
        Assert.Equal((0m, 1.00m, 1.00m, 4.00m), (Row(r, "GET /a").Cents.Alloc, Row(r, "GET /b").Cents.Alloc, r.NotInRequest.Cents.Alloc, r.NoData.Cents.Alloc));
        Assert.Equal(1_000L, Row(r, "GET /b").AllocBytes);
    }

    [Fact]
    public void A_zero_traffic_endpoint_is_listed_with_nothing_and_no_cost_per_request()
    {
        var idle = Row(Report(), "GET /idle");
        Assert.Equal((0L, 0L, 0L, 0m, 0m, 0m), (idle.Requests, idle.CpuSamples, idle.AllocBytes, idle.Usd.Requests, idle.Usd.Cpu, idle.Usd.Alloc));
        Assert.Null(idle.UsdPerThousandRequests(CostBasis.Requests));
        Assert.Null(idle.CpuMsPerRequest);
    }

    [Fact]
    public void The_months_the_range_touches_are_reported_with_their_instance_hour_rate()
    {
        var r = Report();
        Assert.Equal([(new CostMonth(2026, 11), 60m), (new CostMonth(2026, 12), 60m)], r.Months.Select(m => (m.Month, m.UsdPerInstanceHour!.Value)));
        Assert.Empty(r.MonthsWithoutInput);
    }

    [Fact]
    public void Rows_are_costliest_first_by_the_basis_asked_for()
    {
        var r = Report();
        Assert.Equal(["GET /a", "GET /b", "GET /idle"], r.By(CostBasis.Requests).Select(e => e.Endpoint));
        Assert.Equal(["GET /b", "GET /a", "GET /idle"], r.By(CostBasis.Alloc).Select(e => e.Endpoint));
    }

    [Fact]
    public void Cents_of_an_uneven_rate_add_up_to_the_rounded_total_across_the_month_boundary()
    {
        // November at $12,000 ($0.2777… a minute), December at $15,500 ($0.3472… a minute). 23:59: /a 2, /b 1 requests;
        // 00:00: /a 1, /b 3. /a = 2/3 × 0.27778 + 1/4 × 0.34722 = 0.27199; /b = 0.35301; total 0.625 → 63 cents.
        // Rounding each row alone gives 0.27 + 0.35 = 0.62; the largest remainder (/b's .301) takes the missing cent.
        var costs = new Dictionary<CostMonth, MonthlyCost>
        {
            [new CostMonth(2026, 11)] = MonthlyCost.Create(new CostMonth(2026, 11), 12_000, 2_160),
            [new CostMonth(2026, 12)] = MonthlyCost.Create(new CostMonth(2026, 12), 15_500, 0),
        };
        var start = From.AddMinutes(1);
        var requests = new[] { Minute(1, ("GET /a", 2), ("GET /b", 1)), Minute(2, ("GET /a", 1), ("GET /b", 3)) };
        var r = EndpointCosts.Compute(new EndpointUsage(start, start.AddMinutes(2), requests, [], [], 0, 0), costs);
        Assert.Equal(0.2719907407m, Math.Round(Row(r, "GET /a").Usd.Requests, 10));
        Assert.Equal(0.3530092593m, Math.Round(Row(r, "GET /b").Usd.Requests, 10));
        Assert.Equal((0.27m, 0.36m, 0.63m), (Row(r, "GET /a").Cents.Requests, Row(r, "GET /b").Cents.Requests, r.TotalCents));
        Assert.Equal(0.63m, r.NoData.Cents.Cpu); // no window at all: the CPU basis has nothing to divide by
        Assert.Equal(0m, Row(r, "GET /a").Cents.Cpu);
        Assert.Null(r.Months[1].UsdPerInstanceHour);
    }

    [Fact]
    public void Endpoints_over_the_row_cap_fold_into_other_endpoints_with_their_cost_and_usage()
    {
        var r = Report(maxRows: 2);
        Assert.Equal(["GET /a", EndpointCosts.OtherEndpoints], r.Endpoints.Select(e => e.Endpoint).Order(StringComparer.Ordinal));
        var other = Row(r, EndpointCosts.OtherEndpoints);
        Assert.Equal((2L, 1.25m, 1.75m, 1_000L), (other.Requests, other.Usd.Requests, other.Usd.Cpu, other.AllocBytes));
        Assert.Equal(2, r.FoldedEndpoints); // /b and /idle
        Assert.Equal(r.TotalCents, r.Endpoints.Sum(e => e.Cents.Cpu) + r.NotInRequest.Cents.Cpu + r.NoData.Cents.Cpu);
    }

    [Fact]
    public void A_month_without_input_charges_nothing_and_is_named()
    {
        var start = new DateTimeOffset(2026, 10, 31, 23, 59, 0, TimeSpan.Zero);
        var requests = new[] { new UsagePeriod(start, start.AddMinutes(2), new Dictionary<string, double> { ["GET /a"] = 1 }) };
        var r = EndpointCosts.Compute(new EndpointUsage(start, start.AddMinutes(2), requests, [], [], 0, 0), Costs);
        Assert.Equal([new CostMonth(2026, 10)], r.MonthsWithoutInput);
        Assert.Equal((1m, 1m), (r.TotalUsd, Row(r, "GET /a").Usd.Requests));
        Assert.Equal([new CostMonth(2026, 11)], r.Months.Select(m => m.Month));
    }

    [Fact]
    public void Windows_pool_per_utc_day_cut_to_the_range()
    {
        var start = new DateTimeOffset(2026, 11, 29, 22, 0, 0, TimeSpan.Zero);
        var end = start.AddHours(4); // 22:00 on the 29th to 02:00 on the 30th
        var pooled = EndpointCosts.PoolByDay(
        [
            new UsagePeriod(start.AddMinutes(5), start.AddMinutes(6), new Dictionary<string, double> { ["x"] = 1 }),
            new UsagePeriod(start.AddMinutes(65), start.AddMinutes(66), new Dictionary<string, double> { ["x"] = 2, ["y"] = 1 }),
            new UsagePeriod(end.AddMinutes(1), end.AddMinutes(2), new Dictionary<string, double> { ["x"] = 100 }), // outside
        ], start, end);
        Assert.Equal([(start, start.AddHours(2), 3d, 1d)], pooled.Select(p => (p.From, p.To, p.Weights["x"], p.Weights["y"])));
    }
}
