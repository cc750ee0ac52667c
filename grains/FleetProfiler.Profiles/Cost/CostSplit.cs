namespace FleetProfiler.Profiles.Cost;

/// <summary>
/// Splits a service's cost over its endpoints period by period: each period costs the minutes it spans at their own
/// month's USD per minute (a period across a month boundary pays each month's rate for its own minutes), and that
/// amount is divided by the period's weights (requests per endpoint for the request basis, CPU samples or allocated
/// bytes for the CPU and allocation bases). Minutes no period covers, and periods with no weight at all, are charged
/// to <see cref="NoData"/>, never spread; minutes whose month has no cost input are charged nothing and their months
/// are named in <see cref="CostTable.MonthsWithoutInput"/>.
/// </summary>
public static class CostSplit
{
    /// <summary>Samples that ran outside any request: a row of their own, never spread over endpoints.</summary>
    public const string NotInRequest = "[not in a request]";

    /// <summary>Minutes with cost but no weight (no traffic, or no measurement behind the basis).</summary>
    public const string NoData = "[no data]";

    /// <summary>Samples of windows the agent did not attribute to requests: a row of their own, like <see cref="NotInRequest"/>.</summary>
    public const string NotAttributed = "[not attributed]";

    /// <summary>True for the rows that are no endpoint and belong to no team by default.</summary>
    public static bool IsPseudoRow(string name) => name is NotInRequest or NoData or NotAttributed;

    /// <summary>
    /// Splits the cost of every minute in <c>[from, to)</c> (whole minutes, UTC) by <paramref name="weightsAt"/>,
    /// which returns the weights of one minute (null or empty when there are none). Weights must be finite and
    /// non-negative.
    /// </summary>
    public static CostTable Split(DateTimeOffset from, DateTimeOffset to, Func<DateTimeOffset, IReadOnlyDictionary<string, double>?> weightsAt, IReadOnlyDictionary<CostMonth, MonthlyCost> costs)
    {
        ArgumentNullException.ThrowIfNull(weightsAt);
        var (start, end) = WholeMinutes(from, to);
        return Split(start, end, Minutes(start, end, weightsAt), costs);

        static IEnumerable<UsagePeriod> Minutes(DateTimeOffset start, DateTimeOffset end, Func<DateTimeOffset, IReadOnlyDictionary<string, double>?> weightsAt)
        {
            for (var m = start; m < end; m = m.AddMinutes(1))
                if (weightsAt(m) is { Count: > 0 } w) yield return new UsagePeriod(m, m.AddMinutes(1), w);
        }
    }

    /// <summary>
    /// Splits the cost of <c>[from, to)</c> (widened to whole UTC minutes) by the weights of <paramref name="periods"/>:
    /// whole-minute, non-overlapping periods in time order; the parts outside the range are cut off.
    /// </summary>
    public static CostTable Split(DateTimeOffset from, DateTimeOffset to, IEnumerable<UsagePeriod> periods, IReadOnlyDictionary<CostMonth, MonthlyCost> costs)
    {
        ArgumentNullException.ThrowIfNull(periods);
        ArgumentNullException.ThrowIfNull(costs);
        var (start, end) = WholeMinutes(from, to);
        var usd = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var missing = new SortedSet<CostMonth>();
        decimal total = 0;
        var covered = start;
        var previousEnd = DateTimeOffset.MinValue;
        foreach (var p in periods)
        {
            if (p.From.UtcTicks % TimeSpan.TicksPerMinute != 0 || p.To.UtcTicks % TimeSpan.TicksPerMinute != 0 || p.To <= p.From)
                throw new ArgumentException($"period {p.From:O}–{p.To:O} is not a non-empty range of whole minutes");
            if (p.From < previousEnd)
                throw new ArgumentException($"period {p.From:O}–{p.To:O} overlaps the one before or is out of time order");
            previousEnd = p.To;
            var a = p.From < start ? start : p.From;
            var b = p.To > end ? end : p.To;
            if (b <= a) continue;
            if (a > covered) Add(usd, NoData, CostOf(covered, a, costs, missing, ref total));
            covered = b;
            var cost = CostOf(a, b, costs, missing, ref total);
            double sum = 0;
            foreach (var (name, w) in p.Weights)
            {
                if (!double.IsFinite(w) || w < 0) throw new ArgumentException($"weight of '{name}' at {p.From:O} is {w}: weights must be finite and non-negative");
                sum += w;
            }
            if (sum == 0)
            {
                Add(usd, NoData, cost);
                continue;
            }
            foreach (var (name, w) in p.Weights)
                if (w > 0) Add(usd, name, cost * (decimal)w / (decimal)sum); // decimal throughout: shares of counts stay exact to the cent
        }
        if (covered < end) Add(usd, NoData, CostOf(covered, end, costs, missing, ref total));
        usd.Remove(NoData, out var noData);
        if (noData > 0) usd[NoData] = noData;
        return new CostTable(start, end, total, usd, [.. missing]);
    }

    /// <summary>The cost of <c>[from, to)</c>: each month's minutes at that month's rate; months without input add nothing.</summary>
    public static decimal CostOf(DateTimeOffset from, DateTimeOffset to, IReadOnlyDictionary<CostMonth, MonthlyCost> costs, ISet<CostMonth>? missing = null)
    {
        decimal total = 0;
        return CostOf(from, to, costs, missing ?? new HashSet<CostMonth>(), ref total);
    }

    private static decimal CostOf(DateTimeOffset from, DateTimeOffset to, IReadOnlyDictionary<CostMonth, MonthlyCost> costs, ISet<CostMonth> missing, ref decimal total)
    {
        decimal cost = 0;
        for (var a = from; a < to;)
        {
            var month = CostMonth.Of(a);
            var b = month.End < to ? month.End : to;
            var minutes = (b.UtcTicks - a.UtcTicks) / TimeSpan.TicksPerMinute;
            if (costs.TryGetValue(month, out var c)) cost += c.UsdPerMinute * minutes;
            else missing.Add(month);
            a = b;
        }
        total += cost;
        return cost;
    }

    /// <summary>The range widened to whole UTC minutes; throws when it is empty.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) WholeMinutes(DateTimeOffset from, DateTimeOffset to)
    {
        var start = Floor(from);
        var end = Floor(to) == to ? to : Floor(to).AddMinutes(1);
        if (end <= start) throw new ArgumentException("the range's end must be after its start");
        return (start, end);
    }

    private static void Add(Dictionary<string, decimal> usd, string name, decimal amount) =>
        usd[name] = usd.GetValueOrDefault(name) + amount;

    private static DateTimeOffset Floor(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
}

/// <summary>The weights of one period <c>[From, To)</c> (whole UTC minutes): per endpoint (or pseudo row), what it used.</summary>
public sealed record UsagePeriod(DateTimeOffset From, DateTimeOffset To, IReadOnlyDictionary<string, double> Weights);

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

    /// <summary>The table with every row not in <paramref name="keep"/> (pseudo rows always kept) merged into <paramref name="into"/>.</summary>
    public CostTable Fold(IReadOnlySet<string> keep, string into)
    {
        var usd = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (name, amount) in Usd)
        {
            var row = keep.Contains(name) || CostSplit.IsPseudoRow(name) ? name : into;
            usd[row] = usd.GetValueOrDefault(row) + amount;
        }
        return this with { Usd = usd };
    }
}
