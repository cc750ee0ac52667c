using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Grains.Endpoints;

/// <summary>
/// A service's route minutes over a range, per endpoint (method and route): requests add up; the mean is exact
/// (sum / requests); percentiles are the request-weighted mean of the minutes' percentiles (the agents send
/// percentiles, not mergeable buckets: an approximation, exact when one minute of one host holds the range);
/// error share is the 5xx requests' share, client error share the 4xx requests'.
/// </summary>
public static class EndpointSummaries
{
    /// <summary>The range widened to whole UTC minutes (route minutes are stored per minute).</summary>
    public static TimeRange WholeMinutes(TimeRange range)
    {
        var from = BucketFloor(range.From);
        var to = BucketFloor(range.To);
        return new TimeRange(from, to == range.To ? to : to.AddMinutes(1));
    }

    private static DateTimeOffset BucketFloor(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    /// <summary>
    /// Distinct minutes in which the service reported any request: the divisor of requests per minute (a range
    /// mostly before the service started, or with its agents down, would otherwise understate the rate).
    /// </summary>
    public static int MinutesWithRequests(IReadOnlyList<RouteMinute> rows) =>
        rows.Where(r => r.Requests > 0).Select(r => r.Minute).Distinct().Count();

    /// <summary>Most requested first, then by route and method (ordinal). Rates divide by <see cref="MinutesWithRequests"/>.</summary>
    public static IReadOnlyList<EndpointSummary> Summarize(IReadOnlyList<RouteMinute> rows)
    {
        var rangeMinutes = Math.Max(1, MinutesWithRequests(rows));
        return rows
            .GroupBy(r => (r.Method, r.Route))
            .Select(g =>
            {
                var requests = g.Sum(r => r.Requests);
                double Weighted(Func<RouteMinute, double> value) => requests == 0 ? 0 : g.Sum(r => value(r) * r.Requests) / requests;
                double Share(string statusClass) => requests == 0 ? 0 : (double)g.Where(r => r.StatusClass == statusClass).Sum(r => r.Requests) / requests;
                return new EndpointSummary(g.Key.Method, g.Key.Route, requests, requests / rangeMinutes,
                    requests == 0 ? 0 : g.Sum(r => r.DurationSumMs) / requests,
                    Weighted(r => r.P50Ms), Weighted(r => r.P95Ms), Weighted(r => r.P99Ms), Share("5xx"), Share("4xx"));
            })
            .OrderByDescending(e => e.Requests)
            .ThenBy(e => e.Route, StringComparer.Ordinal)
            .ThenBy(e => e.Method, StringComparer.Ordinal)
            .ToList();
    }
}
