namespace FleetProfiler.Profiles.Cost;

/// <summary>What a service's cost is divided by.</summary>
public enum CostBasis
{
    /// <summary>Each minute's cost by the endpoints' shares of that minute's requests (the classic method).</summary>
    Requests = 0,

    /// <summary>Each UTC day's cost by the endpoints' shares of the CPU samples of that day's profiling windows.</summary>
    Cpu = 1,

    /// <summary>Likewise by allocated bytes.</summary>
    Alloc = 2,
}

/// <summary>
/// What a service's endpoints used over a range: requests per period (per minute, from the always-on request
/// metrics) and CPU samples and allocated bytes per period (from profiling windows, with
/// <see cref="CostSplit.NotInRequest"/> for samples outside any request). Endpoint names are "METHOD route".
/// CPU-seconds are the samples times the sampling interval unless <see cref="CpuSeconds"/> gives them per period.
/// </summary>
public sealed record EndpointUsage(
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<UsagePeriod> Requests,
    IReadOnlyList<UsagePeriod> CpuSamples,
    IReadOnlyList<UsagePeriod> AllocBytes,
    int Windows,
    double SamplingIntervalMs,
    IReadOnlyList<UsagePeriod>? CpuSeconds = null);

/// <summary>
/// The cost table of a service's endpoints over a range, by all three bases side by side. Request share is taken
/// minute by minute (requests are counted every minute). CPU and allocation shares are pooled per UTC day: windows
/// are short samples of time, so a day's windows together estimate that day's mix, and a day without any window
/// is charged to <see cref="CostSplit.NoData"/> rather than guessed. Each minute pays its own month's rate.
/// </summary>
public static class EndpointCosts
{
    /// <summary>Endpoint rows a report keeps; the rest (least costly first) fold into <see cref="OtherEndpoints"/>.</summary>
    public const int MaxRows = 1_000;

    /// <summary>The row endpoints over <see cref="MaxRows"/> fold into (the endpoint usage reads fold into it too).</summary>
    public const string OtherEndpoints = "[other endpoints]";

    /// <summary>How long a CPU or allocation share is pooled over.</summary>
    public static readonly TimeSpan SharePeriod = TimeSpan.FromDays(1);

    /// <summary>
    /// Computes the table. <paramref name="knownEndpoints"/> are listed even when they used nothing in the range
    /// (e.g. endpoints with an explicit owner), so that idle endpoints show as zero rather than vanish.
    /// </summary>
    public static EndpointCostReport Compute(EndpointUsage usage, IReadOnlyDictionary<CostMonth, MonthlyCost> costs, IEnumerable<string>? knownEndpoints = null, int maxRows = MaxRows)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var (start, end) = CostSplit.WholeMinutes(usage.From, usage.To);
        var byRequests = CostSplit.Split(start, end, usage.Requests, costs);
        var byCpu = CostSplit.Split(start, end, PoolByDay(usage.CpuSamples, start, end), costs);
        var byAlloc = CostSplit.Split(start, end, PoolByDay(usage.AllocBytes, start, end), costs);

        var requests = Sum(usage.Requests, start, end);
        var cpu = Sum(usage.CpuSamples, start, end);
        var alloc = Sum(usage.AllocBytes, start, end);
        var cpuSeconds = usage.CpuSeconds is null ? cpu.ToDictionary(kv => kv.Key, kv => kv.Value * usage.SamplingIntervalMs / 1000, StringComparer.Ordinal) : Sum(usage.CpuSeconds, start, end);
        var names = new HashSet<string>(requests.Keys.Concat(cpu.Keys).Concat(alloc.Keys), StringComparer.Ordinal);
        foreach (var e in knownEndpoints ?? []) names.Add(e);
        names.RemoveWhere(CostSplit.IsPseudoRow);

        // Cap: the costliest rows (by any basis) stay; the rest fold into one row, with their usage added up.
        var ranked = names.OrderByDescending(n => Max(byRequests.Usd.GetValueOrDefault(n), byCpu.Usd.GetValueOrDefault(n), byAlloc.Usd.GetValueOrDefault(n)))
            .ThenByDescending(n => requests.GetValueOrDefault(n)).ThenBy(n => n, StringComparer.Ordinal).ToList();
        var folded = 0;
        if (ranked.Count > maxRows)
        {
            var keep = ranked.Where(n => n != OtherEndpoints).Take(maxRows - 1).ToHashSet(StringComparer.Ordinal);
            folded = ranked.Count(n => n != OtherEndpoints) - keep.Count;
            byRequests = byRequests.Fold(keep, OtherEndpoints);
            byCpu = byCpu.Fold(keep, OtherEndpoints);
            byAlloc = byAlloc.Fold(keep, OtherEndpoints);
            requests = FoldSums(requests, keep);
            cpu = FoldSums(cpu, keep);
            alloc = FoldSums(alloc, keep);
            cpuSeconds = FoldSums(cpuSeconds, keep);
            names = [.. keep, OtherEndpoints];
        }

        var tables = new ByBasis<CostTable>(byRequests, byCpu, byAlloc);
        var cents = new ByBasis<IReadOnlyDictionary<string, decimal>>(byRequests.Cents(), byCpu.Cents(), byAlloc.Cents());
        var minutes = (end.UtcTicks - start.UtcTicks) / TimeSpan.TicksPerMinute;
        double totalRequests = requests.Values.Sum(), totalCpu = cpu.Values.Sum(), totalAlloc = alloc.Values.Sum();
        EndpointCost Row(string name) => new(
            name,
            (long)Math.Round(requests.GetValueOrDefault(name)),
            (long)Math.Round(cpu.GetValueOrDefault(name)),
            cpuSeconds.GetValueOrDefault(name),
            (long)Math.Round(alloc.GetValueOrDefault(name)),
            new ByBasis<double>(Share(requests, name, totalRequests), Share(cpu, name, totalCpu), Share(alloc, name, totalAlloc)),
            new ByBasis<decimal>(byRequests.Usd.GetValueOrDefault(name), byCpu.Usd.GetValueOrDefault(name), byAlloc.Usd.GetValueOrDefault(name)),
            new ByBasis<decimal>(cents.Requests.GetValueOrDefault(name), cents.Cpu.GetValueOrDefault(name), cents.Alloc.GetValueOrDefault(name)),
            minutes);

        var rows = names.Select(Row)
            .OrderByDescending(r => r.Usd.Requests).ThenByDescending(r => r.Requests).ThenBy(r => r.Endpoint, StringComparer.Ordinal)
            .ToList();
        var months = new List<MonthlyCost>();
        for (var m = CostMonth.Of(start); m.Start < end; m = CostMonth.Of(m.End))
            if (costs.TryGetValue(m, out var c)) months.Add(c);
        return new EndpointCostReport(start, end, minutes, byRequests.TotalUsd, Math.Round(byRequests.TotalUsd * 100, MidpointRounding.AwayFromZero) / 100,
            months, byRequests.MonthsWithoutInput, usage.Windows, rows, Row(CostSplit.NotInRequest), Row(CostSplit.NotAttributed), Row(CostSplit.NoData), folded, tables);
    }

    /// <summary>
    /// The periods pooled per UTC day, cut to <c>[start, end)</c>: one period per day in which at least one input
    /// period starts, its weights the sums of theirs.
    /// </summary>
    public static IReadOnlyList<UsagePeriod> PoolByDay(IReadOnlyList<UsagePeriod> periods, DateTimeOffset start, DateTimeOffset end)
    {
        var days = new SortedDictionary<DateTimeOffset, Dictionary<string, double>>();
        foreach (var p in periods)
        {
            if (p.From < start || p.From >= end) continue;
            var day = new DateTimeOffset(p.From.UtcDateTime.Date, TimeSpan.Zero);
            if (!days.TryGetValue(day, out var sums)) days[day] = sums = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (name, w) in p.Weights) sums[name] = sums.GetValueOrDefault(name) + w;
        }
        return [.. days.Select(d => new UsagePeriod(d.Key < start ? start : d.Key, d.Key.Add(SharePeriod) > end ? end : d.Key.Add(SharePeriod), d.Value))];
    }

    private static Dictionary<string, double> Sum(IReadOnlyList<UsagePeriod> periods, DateTimeOffset start, DateTimeOffset end)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in periods)
        {
            if (p.From < start || p.From >= end) continue;
            foreach (var (name, w) in p.Weights) sums[name] = sums.GetValueOrDefault(name) + w;
        }
        return sums;
    }

    private static Dictionary<string, double> FoldSums(Dictionary<string, double> sums, HashSet<string> keep)
    {
        var folded = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, v) in sums)
        {
            var row = keep.Contains(name) || CostSplit.IsPseudoRow(name) ? name : OtherEndpoints;
            folded[row] = folded.GetValueOrDefault(row) + v;
        }
        return folded;
    }

    private static double Share(Dictionary<string, double> values, string name, double total) =>
        total == 0 ? 0 : values.GetValueOrDefault(name) / total;

    private static decimal Max(decimal a, decimal b, decimal c) => Math.Max(a, Math.Max(b, c));
}

/// <summary>One value per basis.</summary>
public readonly record struct ByBasis<T>(T Requests, T Cpu, T Alloc)
{
    /// <summary>The value of one basis.</summary>
    public T this[CostBasis basis] => basis switch
    {
        CostBasis.Requests => Requests,
        CostBasis.Cpu => Cpu,
        CostBasis.Alloc => Alloc,
        _ => throw new ArgumentOutOfRangeException(nameof(basis)),
    };
}

/// <summary>
/// One endpoint (or pseudo row) of a cost report: what it used over the range, its share of each measure, and its
/// cost by each basis (exact, and in cents that add up to the report's total).
/// </summary>
/// <param name="Endpoint">"METHOD route", <see cref="EndpointCosts.OtherEndpoints"/>, <see cref="CostSplit.NotInRequest"/> or <see cref="CostSplit.NoData"/>.</param>
/// <param name="Requests">Requests that ended in the range.</param>
/// <param name="CpuSamples">CPU samples of the range's windows attributed to it.</param>
/// <param name="CpuSeconds">Those samples times the sampling interval: CPU time observed in the windows, not in the whole range.</param>
/// <param name="AllocBytes">Sampled allocated bytes of the range's windows attributed to it.</param>
/// <param name="Share">Its share of all requests, CPU samples and allocated bytes (0..1).</param>
/// <param name="Usd">Cost by each basis.</param>
/// <param name="Cents">Cost by each basis in whole cents (largest remainder: rows add up to the total).</param>
/// <param name="RangeMinutes">Minutes of the report's range.</param>
public sealed record EndpointCost(
    string Endpoint,
    long Requests,
    long CpuSamples,
    double CpuSeconds,
    long AllocBytes,
    ByBasis<double> Share,
    ByBasis<decimal> Usd,
    ByBasis<decimal> Cents,
    long RangeMinutes)
{
    /// <summary>Average cost per minute of the range.</summary>
    public decimal UsdPerMinute(CostBasis basis) => Usd[basis] / RangeMinutes;

    /// <summary>Cost per 1,000 requests, or null when it served none.</summary>
    public decimal? UsdPerThousandRequests(CostBasis basis) => Requests <= 0 ? null : Usd[basis] / Requests * 1000;

    /// <summary>CPU milliseconds observed in windows per request of the whole range, or null without requests.</summary>
    public double? CpuMsPerRequest => Requests <= 0 ? null : CpuSeconds * 1000 / Requests;
}

/// <summary>
/// A service's endpoint cost table over <c>[From, To)</c> (whole UTC minutes). <see cref="TotalUsd"/> is the cost of
/// the range (months without input add nothing and are named). <see cref="Windows"/> profiling windows stand behind
/// the CPU and allocation shares. <see cref="NotInRequest"/> keeps the CPU and allocation cost of samples outside any
/// request visible, <see cref="NotAttributed"/> that of windows not attributed to requests; <see cref="NoData"/> holds, per basis, the cost of time with nothing to divide it by.
/// </summary>
public sealed record EndpointCostReport(
    DateTimeOffset From,
    DateTimeOffset To,
    long Minutes,
    decimal TotalUsd,
    decimal TotalCents,
    IReadOnlyList<MonthlyCost> Months,
    IReadOnlyList<CostMonth> MonthsWithoutInput,
    int Windows,
    IReadOnlyList<EndpointCost> Endpoints,
    EndpointCost NotInRequest,
    EndpointCost NotAttributed,
    EndpointCost NoData,
    int FoldedEndpoints,
    ByBasis<CostTable> Tables)
{
    /// <summary>The endpoints, costliest first by <paramref name="basis"/> (ties: most requests, then name).</summary>
    public IReadOnlyList<EndpointCost> By(CostBasis basis) =>
        [.. Endpoints.OrderByDescending(e => e.Usd[basis]).ThenByDescending(e => e.Requests).ThenBy(e => e.Endpoint, StringComparer.Ordinal)];
}
