using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Abstractions.Endpoints;

/// <summary>
/// What an endpoint (or a whole service) used over one period or range.
/// Request figures come from the agents' always-on request metrics (route minutes, kept for the minute buckets'
/// retention, 48 h by default: older periods show no requests). Sample figures are what profiling windows observed,
/// never extrapolated to the time between windows: compare them as shares, or per request within the same range.
/// </summary>
/// <param name="Requests">Requests that ended in the period (exact), every host added up.</param>
/// <param name="DurationSumMs">Sum of those requests' durations (exact).</param>
/// <param name="P50Ms">Request-weighted mean of the minutes' medians (an approximation); 0 without requests.</param>
/// <param name="P95Ms">Likewise for the 95th percentile.</param>
/// <param name="P99Ms">Likewise for the 99th percentile.</param>
/// <param name="CpuSamples">Thread samples that ran on a CPU in managed code.</param>
/// <param name="CpuSeconds">CPU time the samples stand for: each window's CPU samples × its sampling interval, added up.</param>
/// <param name="WallSamples">Thread samples, running or blocked (wall clock).</param>
/// <param name="AllocBytes">Allocated bytes, estimated from the allocation samples.</param>
/// <param name="AllocCount">Allocations, estimated likewise.</param>
/// <param name="Windows">Profiling windows of the service behind the sample figures (whether or not this endpoint ran in them).</param>
[GenerateSerializer, Immutable]
public sealed record EndpointFigures(
    [property: Id(0)] long Requests,
    [property: Id(1)] double DurationSumMs,
    [property: Id(2)] double P50Ms,
    [property: Id(3)] double P95Ms,
    [property: Id(4)] double P99Ms,
    [property: Id(5)] long CpuSamples,
    [property: Id(6)] double CpuSeconds,
    [property: Id(7)] long WallSamples,
    [property: Id(8)] long AllocBytes,
    [property: Id(9)] long AllocCount,
    [property: Id(10)] int Windows)
{
    /// <summary>Nothing at all.</summary>
    public static EndpointFigures None { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Mean duration (exact); null without requests.</summary>
    public double? MeanMs => Requests == 0 ? null : DurationSumMs / Requests;

    /// <summary>
    /// CPU milliseconds per request: <see cref="CpuSeconds"/> × 1000 / <see cref="Requests"/>; null without requests.
    /// Meaningful only when windows covered the requests' time (see <see cref="Windows"/>): samples are taken during
    /// windows only, requests all the time.
    /// </summary>
    public double? CpuMsPerRequest => Requests == 0 ? null : CpuSeconds * 1000 / Requests;
}

/// <summary>One period of a usage report: where it starts, how long it is, and the figures.</summary>
/// <param name="Start">Start of the period (UTC).</param>
/// <param name="Length">Its length: a minute, an hour or a day bucket, or less for a ragged edge of the range.</param>
/// <param name="Endpoint">The endpoint's figures.</param>
/// <param name="Service">The whole service's figures over the same period (every endpoint, not-in-a-request and not-attributed samples).</param>
[GenerateSerializer, Immutable]
public sealed record EndpointUsagePeriod(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] TimeSpan Length,
    [property: Id(2)] EndpointFigures Endpoint,
    [property: Id(3)] EndpointFigures Service);

/// <summary>One period of a service's usage: where it starts, how long it is, and the whole service's figures.</summary>
/// <param name="Start">Start of the period (UTC).</param>
/// <param name="Length">Its length (see <see cref="EndpointUsagePeriod.Length"/>).</param>
/// <param name="Service">The whole service's figures over the period.</param>
[GenerateSerializer, Immutable]
public sealed record ServiceUsagePeriod(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] TimeSpan Length,
    [property: Id(2)] EndpointFigures Service);

/// <summary>
/// An endpoint's usage over a range: per period (oldest first, only periods with data) and in total.
/// </summary>
/// <param name="Service">The service.</param>
/// <param name="Endpoint">The endpoint name (<see cref="EndpointNames"/>).</param>
/// <param name="Range">The range asked for.</param>
/// <param name="Covered">The range the periods cover: the asked one widened to whole buckets where the store holds only coarser ones.</param>
/// <param name="Truncated">True when more raw windows lay in the range than one call reads (the figures then miss some).</param>
/// <param name="Periods">Periods with requests or windows, oldest first; at most <see cref="MaxPeriods"/>.</param>
/// <param name="Total">The endpoint's figures over all periods (percentiles request-weighted).</param>
/// <param name="ServiceTotal">The whole service's figures over all periods.</param>
[GenerateSerializer, Immutable]
public sealed record EndpointUsage(
    [property: Id(0)] string Service,
    [property: Id(1)] string Endpoint,
    [property: Id(2)] TimeRange Range,
    [property: Id(3)] TimeRange Covered,
    [property: Id(4)] bool Truncated,
    [property: Id(5)] IReadOnlyList<EndpointUsagePeriod> Periods,
    [property: Id(6)] EndpointFigures Total,
    [property: Id(7)] EndpointFigures ServiceTotal)
{
    /// <summary>Most periods one usage call answers; a range that needs more is refused (ask for a shorter one).</summary>
    public const int MaxPeriods = 2000;

    /// <summary>The endpoint's share of the service's CPU samples over the range (0..1); null when the service had none.</summary>
    public double? CpuShare => ServiceTotal.CpuSamples == 0 ? null : (double)Total.CpuSamples / ServiceTotal.CpuSamples;
}

/// <summary>One endpoint's totals in a <see cref="ServiceEndpointUsage"/>.</summary>
/// <param name="Endpoint">The endpoint name (<see cref="EndpointNames"/>), or one of its bracketed rows.</param>
/// <param name="Method">HTTP method ("" for bracketed rows).</param>
/// <param name="Route">Route template, or the bracketed row's name.</param>
/// <param name="Figures">Its figures over the range.</param>
[GenerateSerializer, Immutable]
public sealed record EndpointUsageRow(
    [property: Id(0)] string Endpoint,
    [property: Id(1)] string Method,
    [property: Id(2)] string Route,
    [property: Id(3)] EndpointFigures Figures);

/// <summary>
/// Every endpoint of a service over a range. The rows' sample figures add up to <see cref="Total"/>'s exactly (the
/// <see cref="EndpointNames.NotAttributed"/> row holds what no endpoint root holds); their requests add up to the
/// service's requests. Rows are ordered by CPU samples, then requests, then name (ordinal), largest first; at most
/// <see cref="MaxEndpoints"/>, the rest folded into one <c>[other endpoints]</c> row.
/// </summary>
/// <param name="Service">The service.</param>
/// <param name="Range">The range asked for.</param>
/// <param name="Covered">The range the figures cover (see <see cref="EndpointUsage.Covered"/>).</param>
/// <param name="Truncated">True when more raw windows lay in the range than one call reads.</param>
/// <param name="Endpoints">The rows.</param>
/// <param name="Total">The whole service.</param>
/// <param name="Periods">The whole service's figures per period with data, oldest first (the same periods as <see cref="IEndpointGrain.GetUsageAsync"/> gives).</param>
/// <param name="MinutesWithRequests">Distinct minutes in which the service reported any request: the honest divisor of a requests-per-minute rate.</param>
/// <param name="Attributions">The windows behind <see cref="Total"/>'s sample figures by attribution method (null from a silo of an older version).</param>
[GenerateSerializer, Immutable]
public sealed record ServiceEndpointUsage(
    [property: Id(0)] string Service,
    [property: Id(1)] TimeRange Range,
    [property: Id(2)] TimeRange Covered,
    [property: Id(3)] bool Truncated,
    [property: Id(4)] IReadOnlyList<EndpointUsageRow> Endpoints,
    [property: Id(5)] EndpointFigures Total,
    [property: Id(6)] IReadOnlyList<ServiceUsagePeriod> Periods,
    [property: Id(7)] int MinutesWithRequests,
    [property: Id(8)] WindowAttributions? Attributions = null)
{
    /// <summary>Rows one reply lists at most; the rest are added up in the <see cref="OtherEndpoints"/> row.</summary>
    public const int MaxEndpoints = 1000;

    /// <summary>The row that adds up the endpoints beyond <see cref="MaxEndpoints"/>.</summary>
    public const string OtherEndpoints = "[other endpoints]";
}
