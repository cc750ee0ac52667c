namespace FleetProfiler.Profiles.Cost;

/// <summary>
/// Splits a service's cost over its endpoints minute by minute: each minute costs its month's USD per minute, and
/// that amount is divided by the minute's weights (requests per endpoint for the request basis, CPU samples for the
/// CPU basis). A minute with no weight at all is charged to <see cref="NoData"/>, never spread; a minute whose month
/// has no cost input is charged nothing and named in <see cref="CostTable.MonthsWithoutInput"/>.
/// </summary>
public static class CostSplit
{
    /// <summary>Samples that ran outside any request: a row of their own, never spread over endpoints.</summary>
    public const string NotInRequest = "[not in a request]";

    /// <summary>Minutes with cost but no weight (no traffic, or no measurement behind the basis).</summary>
    public const string NoData = "[no data]";

    /// <summary>
    /// Splits the cost of every minute in <c>[from, to)</c> (whole minutes, UTC) by <paramref name="weightsAt"/>,
    /// which returns the weights of one minute (null or empty when there are none). Weights must be finite and
    /// non-negative.
    /// </summary>
    public static CostTable Split(DateTimeOffset from, DateTimeOffset to, Func<DateTimeOffset, IReadOnlyDictionary<string, double>?> weightsAt, IReadOnlyDictionary<CostMonth, MonthlyCost> costs)
    {
        ArgumentNullException.ThrowIfNull(weightsAt);
        ArgumentNullException.ThrowIfNull(costs);
        var start = Floor(from);
        var end = Floor(to) == to ? to : Floor(to).AddMinutes(1);
        if (end <= start) throw new ArgumentException("the range's end must be after its start");

        var usd = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var missing = new SortedSet<CostMonth>();
        decimal total = 0;
        for (var m = start; m < end; m = m.AddMinutes(1))
        {
            if (!costs.TryGetValue(CostMonth.Of(m), out var cost))
            {
                missing.Add(CostMonth.Of(m));
                continue;
            }
            var perMinute = cost.UsdPerMinute;
            total += perMinute;
            var weights = weightsAt(m);
            double sum = 0;
            if (weights is not null)
            {
                foreach (var (name, w) in weights)
                {
                    if (!double.IsFinite(w) || w < 0) throw new ArgumentException($"weight of '{name}' at {m:O} is {w}: weights must be finite and non-negative");
                    sum += w;
                }
            }
            if (sum == 0)
            {
                Add(usd, NoData, perMinute);
                continue;
            }
            foreach (var (name, w) in weights!)
                if (w > 0) Add(usd, name, perMinute * (decimal)(w / sum));
        }
        return new CostTable(start, end, total, usd, [.. missing]);
    }

    private static void Add(Dictionary<string, decimal> usd, string name, decimal amount) =>
        usd[name] = usd.GetValueOrDefault(name) + amount;

    private static DateTimeOffset Floor(DateTimeOffset t)
    {
        var u = t.ToUniversalTime();
        return new DateTimeOffset(u.Ticks - u.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }
}

/// <summary>
/// A split: the total cost of the range and each row's share of it. <see cref="Cents"/> rounds rows to cents so
/// that they add up to the rounded total exactly (largest remainder), which is what a cost table must show.
/// </summary>
public sealed record CostTable(DateTimeOffset From, DateTimeOffset To, decimal TotalUsd, IReadOnlyDictionary<string, decimal> Usd, IReadOnlyList<CostMonth> MonthsWithoutInput)
{
    /// <summary>Each row in whole cents, summing exactly to the total in whole cents.</summary>
    public IReadOnlyDictionary<string, decimal> Cents()
    {
        var totalCents = Math.Round(TotalUsd * 100, MidpointRounding.AwayFromZero);
        var floors = Usd.ToDictionary(kv => kv.Key, kv => Math.Floor(kv.Value * 100), StringComparer.Ordinal);
        var left = totalCents - floors.Values.Sum();
        foreach (var name in Usd.OrderByDescending(kv => kv.Value * 100 - Math.Floor(kv.Value * 100)).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key))
        {
            if (left <= 0) break;
            floors[name]++;
            left--;
        }
        return floors.ToDictionary(kv => kv.Key, kv => kv.Value / 100, StringComparer.Ordinal);
    }

    /// <summary>USD per 1,000 requests of a row, or null when it served none.</summary>
    public decimal? PerThousandRequests(string row, long requests) =>
        requests <= 0 ? null : Usd.GetValueOrDefault(row) / requests * 1000;
}
