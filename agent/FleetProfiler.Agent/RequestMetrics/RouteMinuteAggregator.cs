namespace FleetProfiler.Agent.RequestMetrics;

/// <summary>One route's requests in one UTC minute (a wire <c>RouteMinute</c>); latencies in milliseconds.</summary>
public sealed record RouteMinuteRow(
    DateTimeOffset Minute, string Method, string Route, string StatusClass,
    long Requests, double DurationSumMs, double P50Ms, double P95Ms, double P99Ms);

/// <summary>The finished minutes of one service.</summary>
public sealed record ServiceRouteMinutes(string Service, IReadOnlyList<RouteMinuteRow> Rows);

/// <summary>
/// Adds the runtime's per-interval histogram publications (count, sum and percentiles of one time series) into
/// UTC minutes per service and (method, route, status class). An interval belongs to the minute of its midpoint:
/// the agent starts its sessions on an interval boundary (<see cref="RequestMetricsCollector"/>), so intervals do
/// not straddle minutes by more than the start-up latency. Counts and sums add exactly; a minute's percentile is
/// the request-weighted mean of its intervals' percentiles (the runtime publishes percentiles, not buckets).
/// </summary>
/// <remarks>
/// The per-service cap applies when a minute is taken: the <paramref name="maxRoutesPerMinute"/> route templates
/// with the most requests keep their rows, every other route's requests go to one <see cref="MeterPayload.OtherRoutes"/>
/// row per status class (method ""). Ties go to the ordinally smaller route, so the result does not depend on
/// arrival order. Until then a minute holds at most what the runtime tracks (its MaxHistograms bound). Thread-safe.
/// </remarks>
public sealed class RouteMinuteAggregator(int maxRoutesPerMinute)
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Service, DateTimeOffset Minute), Dictionary<RouteKey, Accumulator>> _minutes = [];

    private sealed class Accumulator
    {
        public long Requests;
        public double SumMs;
        public long QuantileWeight;
        public double P50, P95, P99;

        public void Add(long requests, double sumMs, double p50, double p95, double p99, long quantileWeight)
        {
            Requests += requests;
            SumMs += sumMs;
            QuantileWeight += quantileWeight;
            P50 += p50 * quantileWeight;
            P95 += p95 * quantileWeight;
            P99 += p99 * quantileWeight;
        }

        /// <summary>Folds another accumulator in (its percentile fields already hold weighted totals).</summary>
        public void Add(Accumulator other)
        {
            Requests += other.Requests;
            SumMs += other.SumMs;
            QuantileWeight += other.QuantileWeight;
            P50 += other.P50;
            P95 += other.P95;
            P99 += other.P99;
        }

        public RouteMinuteRow ToRow(DateTimeOffset minute, RouteKey key) =>
            new(minute, key.Method, key.Route, key.StatusClass, Requests, SumMs,
                Weighted(P50), Weighted(P95), Weighted(P99));

        private double Weighted(double total) => QuantileWeight == 0 ? 0 : total / QuantileWeight;
    }

    /// <summary>The UTC minute an interval belongs to: the one its midpoint falls in.</summary>
    public static DateTimeOffset MinuteOf(DateTime intervalStartUtc, DateTime intervalEndUtc)
    {
        var mid = intervalStartUtc.Ticks + (intervalEndUtc.Ticks - intervalStartUtc.Ticks) / 2;
        return new DateTimeOffset(mid - mid % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }

    /// <summary>Adds one publication. <paramref name="quantilesSeconds"/> maps 0.5/0.95/0.99 to seconds.</summary>
    public void Add(string service, DateTime intervalStartUtc, DateTime intervalEndUtc, RouteKey key, long requests, double sumSeconds,
        IReadOnlyDictionary<double, double> quantilesSeconds)
    {
        if (requests <= 0)
        {
            return; // a series with no request in this interval
        }
        var minute = MinuteOf(intervalStartUtc, intervalEndUtc);
        var hasQuantiles = quantilesSeconds.TryGetValue(0.5, out var p50) & quantilesSeconds.TryGetValue(0.95, out var p95)
            & quantilesSeconds.TryGetValue(0.99, out var p99);
        lock (_gate)
        {
            if (!_minutes.TryGetValue((service, minute), out var rows))
            {
                _minutes[(service, minute)] = rows = [];
            }
            if (!rows.TryGetValue(key, out var acc))
            {
                rows[key] = acc = new Accumulator();
            }
            acc.Add(requests, sumSeconds * 1000, p50 * 1000, p95 * 1000, p99 * 1000, hasQuantiles ? requests : 0);
        }
    }

    /// <summary>Minutes that ended at or before <paramref name="cutoff"/>, removed from the aggregator, capped.</summary>
    public IReadOnlyList<ServiceRouteMinutes> TakeCompleted(DateTimeOffset cutoff) =>
        Take(minute => minute.AddMinutes(1) <= cutoff);

    /// <summary>Every minute, finished or not (the agent is stopping).</summary>
    public IReadOnlyList<ServiceRouteMinutes> TakeAll() => Take(_ => true);

    private IReadOnlyList<ServiceRouteMinutes> Take(Func<DateTimeOffset, bool> due)
    {
        List<KeyValuePair<(string Service, DateTimeOffset Minute), Dictionary<RouteKey, Accumulator>>> taken;
        lock (_gate)
        {
            taken = _minutes.Where(m => due(m.Key.Minute)).ToList();
            foreach (var m in taken)
            {
                _minutes.Remove(m.Key);
            }
        }
        return taken
            .GroupBy(m => m.Key.Service, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ServiceRouteMinutes(g.Key,
                g.OrderBy(m => m.Key.Minute).SelectMany(m => Capped(m.Key.Minute, m.Value)).ToList()))
            .ToList();
    }

    private IEnumerable<RouteMinuteRow> Capped(DateTimeOffset minute, Dictionary<RouteKey, Accumulator> rows)
    {
        var kept = rows
            .GroupBy(r => r.Key.Route, StringComparer.Ordinal)
            .Select(g => (Route: g.Key, Requests: g.Sum(r => r.Value.Requests)))
            .OrderByDescending(r => r.Requests)
            .ThenBy(r => r.Route, StringComparer.Ordinal)
            .Take(maxRoutesPerMinute)
            .Select(r => r.Route)
            .ToHashSet(StringComparer.Ordinal);

        var overflow = new Dictionary<RouteKey, Accumulator>();
        foreach (var (key, acc) in rows)
        {
            if (kept.Contains(key.Route))
            {
                continue;
            }
            var other = new RouteKey("", MeterPayload.OtherRoutes, key.StatusClass);
            if (!overflow.TryGetValue(other, out var folded))
            {
                overflow[other] = folded = new Accumulator();
            }
            folded.Add(acc);
        }

        return rows.Where(r => kept.Contains(r.Key.Route)).Concat(overflow)
            .Select(r => r.Value.ToRow(minute, r.Key))
            .OrderBy(r => r.Route, StringComparer.Ordinal)
            .ThenBy(r => r.Method, StringComparer.Ordinal)
            .ThenBy(r => r.StatusClass, StringComparer.Ordinal);
    }
}
