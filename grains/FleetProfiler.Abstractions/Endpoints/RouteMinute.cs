using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Abstractions.Endpoints;

/// <summary>
/// Requests of one route of a service that ended in one UTC minute, for one method and status class, from the
/// agents' request metrics (the <c>http.server.request.duration</c> histogram).
/// </summary>
/// <param name="Minute">Start of the UTC minute.</param>
/// <param name="Method">HTTP method; "" on the <c>[other routes]</c> row.</param>
/// <param name="Route">Route template, <c>[no route]</c>, or <c>[other routes]</c> (routes over the agent's cap).</param>
/// <param name="StatusClass"><c>1xx</c> … <c>5xx</c>, or "" when unknown.</param>
/// <param name="Requests">Exact count.</param>
/// <param name="DurationSumMs">Exact sum of the requests' durations.</param>
/// <param name="P50Ms">Request-weighted mean of the runtime's per-interval medians (an approximation).</param>
/// <param name="P95Ms">Likewise for the 95th percentile.</param>
/// <param name="P99Ms">Likewise for the 99th percentile.</param>
[GenerateSerializer, Immutable]
public sealed record RouteMinute(
    [property: Id(0)] DateTimeOffset Minute,
    [property: Id(1)] string Method,
    [property: Id(2)] string Route,
    [property: Id(3)] string StatusClass,
    [property: Id(4)] long Requests,
    [property: Id(5)] double DurationSumMs,
    [property: Id(6)] double P50Ms,
    [property: Id(7)] double P95Ms,
    [property: Id(8)] double P99Ms);

/// <summary>One validated batch of route minutes of one service on one host, as the gateway hands it to the host grain.</summary>
[GenerateSerializer, Immutable]
public sealed record RouteMinutesUpload(
    [property: Id(0)] string AgentId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] IReadOnlyList<RouteMinute> Rows,
    [property: Id(3)] int DroppedWindows);

/// <summary>One endpoint (method and route template) of a service over a range.</summary>
/// <param name="Method">HTTP method ("" for <c>[other routes]</c>).</param>
/// <param name="Route">Route template, <c>[no route]</c> or <c>[other routes]</c>.</param>
/// <param name="Requests">Exact count over the range, every host added up.</param>
/// <param name="P50Ms">Request-weighted mean of the minutes' medians (an approximation).</param>
/// <param name="P95Ms">Likewise for the 95th percentile.</param>
/// <param name="P99Ms">Likewise for the 99th percentile.</param>
/// <param name="RequestsPerMinute">Requests divided by the minutes of the range in which the service reported any
/// request (<see cref="EndpointReport.MinutesWithRequests"/>), not by the whole range.</param>
/// <param name="ErrorShare">Share of requests answered 5xx (0..1).</param>
/// <param name="ClientErrorShare">Share of requests answered 4xx (0..1).</param>
/// <param name="MeanMs">Exact mean duration (sum / requests).</param>
[GenerateSerializer, Immutable]
public sealed record EndpointSummary(
    [property: Id(0)] string Method,
    [property: Id(1)] string Route,
    [property: Id(2)] long Requests,
    [property: Id(3)] double RequestsPerMinute,
    [property: Id(4)] double MeanMs,
    [property: Id(5)] double P50Ms,
    [property: Id(6)] double P95Ms,
    [property: Id(7)] double P99Ms,
    [property: Id(8)] double ErrorShare,
    [property: Id(9)] double ClientErrorShare);

/// <summary>
/// A service's endpoints over a range, most requested first; with <see cref="Minutes"/> the per-minute rows (every
/// host added up, one row per minute, method, route and status class) when they were asked for.
/// <see cref="MinutesWithRequests"/> is the number of distinct minutes of the range in which the service reported any
/// request: the divisor of <see cref="EndpointSummary.RequestsPerMinute"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EndpointReport(
    [property: Id(0)] TimeRange Range,
    [property: Id(1)] IReadOnlyList<EndpointSummary> Endpoints,
    [property: Id(2)] IReadOnlyList<RouteMinute> Minutes,
    [property: Id(3)] int MinutesWithRequests = 0);
