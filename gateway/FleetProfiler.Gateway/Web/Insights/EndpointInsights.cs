using FleetProfiler.Gateway.Cost;
using FleetProfiler.Gateway.Query;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Web.Insights;

/// <summary>Traffic of one endpoint in equal bins of whole minutes: requests per minute and request-weighted latency percentiles.</summary>
public sealed record TrafficSeries(IReadOnlyList<DateTimeOffset> Starts, IReadOnlyList<double?> RequestsPerMinute, IReadOnlyList<double?> P50, IReadOnlyList<double?> P95, IReadOnlyList<double?> P99);

/// <summary>The endpoint's cost in each part of the range by request share and by CPU share; null where no cost input or no data.</summary>
public sealed record CostSeries(IReadOnlyList<DateTimeOffset> Starts, IReadOnlyList<double?> ByRequests, IReadOnlyList<double?> ByCpu, IReadOnlyList<string> MonthsWithoutInput);

public sealed record EndpointView(string Service, string Endpoint, ViewRange Range, Answer<EndpointCostsReply> Costs, EndpointCost? Row, Answer<TrafficSeries> Traffic, Answer<CostSeries> CostOverTime);

/// <summary>The endpoint page: its owner and cost over the range, its traffic and latency per minute, its cost over time.</summary>
public sealed class EndpointInsights(QueryService query, CostService cost)
{
    /// <summary>Most points of the traffic charts: longer ranges add minutes up into bins.</summary>
    public const int MaxTrafficPoints = 60;

    public const int CostPoints = 12;

    public async Task<EndpointView> LoadAsync(string service, string endpoint, ViewRange range)
    {
        var costs = Answer.Of(() => cost.EndpointCosts(new EndpointCostsRequest { Service = service, From = range.FromTimestamp, To = range.ToTimestamp }, null!),
            $"No request metrics of {service} in the last {range.Label}");
        var traffic = TrafficAsync(service, endpoint, range);
        var overTime = CostOverTimeAsync(service, endpoint, range);
        var reply = await costs;
        var row = reply.Data?.Endpoints.FirstOrDefault(e => e.Endpoint == endpoint);
        return new EndpointView(service, endpoint, range, reply, row, await traffic, await overTime);
    }

    private async Task<Answer<TrafficSeries>> TrafficAsync(string service, string endpoint, ViewRange range)
    {
        var space = endpoint.IndexOf(' ', StringComparison.Ordinal);
        var (method, route) = space < 0 ? ("", endpoint) : (endpoint[..space], endpoint[(space + 1)..]);
        var answer = await Answer.Of(() => query.ListEndpoints(new ListEndpointsRequest { Service = service, From = range.FromTimestamp, To = range.ToTimestamp, PerMinute = true }, null!),
            $"No request metrics of {service} in the last {range.Label}");
        if (answer.Data is not { } reply) return new Answer<TrafficSeries>(null, answer.Missing);
        var minutes = reply.Minutes.Where(m => m.Method == method && m.Route == route).ToList();
        if (minutes.Count == 0)
            return new Answer<TrafficSeries>(null, $"No requests to {endpoint} in the last {range.Label} (request metrics are kept 48 h per minute).");
        var from = reply.From.ToDateTimeOffset();
        var total = Math.Max(1, (int)Math.Ceiling((reply.To.ToDateTimeOffset() - from).TotalMinutes));
        var binMinutes = (int)Math.Ceiling((double)total / MaxTrafficPoints);
        var bins = (int)Math.Ceiling((double)total / binMinutes);
        var requests = new double[bins];
        var reported = new bool[bins];
        var weighted = new double[bins, 3];
        foreach (var m in minutes)
        {
            var bin = Math.Clamp((int)((m.Minute.ToDateTimeOffset() - from).TotalMinutes / binMinutes), 0, bins - 1);
            requests[bin] += m.Requests;
            reported[bin] = true;
            weighted[bin, 0] += m.P50Ms * m.Requests;
            weighted[bin, 1] += m.P95Ms * m.Requests;
            weighted[bin, 2] += m.P99Ms * m.Requests;
        }
        double? Percentile(int bin, int p) => requests[bin] > 0 ? weighted[bin, p] / requests[bin] : null;
        var range0 = Enumerable.Range(0, bins).ToList();
        return new Answer<TrafficSeries>(new TrafficSeries(
            [.. range0.Select(b => from.AddMinutes(b * binMinutes))],
            // A bin no minute row fell in was not measured (before the agent, a gap): no point, not zero.
            [.. range0.Select(b => reported[b] ? requests[b] / binMinutes : (double?)null)],
            [.. range0.Select(b => Percentile(b, 0))],
            [.. range0.Select(b => Percentile(b, 1))],
            [.. range0.Select(b => Percentile(b, 2))]), null);
    }

    private async Task<Answer<CostSeries>> CostOverTimeAsync(string service, string endpoint, ViewRange range)
    {
        var parts = range.Split(CostPoints);
        var replies = await Task.WhenAll(parts.Select(async part =>
        {
            try
            {
                return await cost.EndpointCosts(new EndpointCostsRequest
                {
                    Service = service,
                    From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(part.From),
                    To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(part.To),
                }, null!);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return null;
            }
        }));
        if (replies.All(r => r is null))
            return new Answer<CostSeries>(null, $"No request metrics of {service} in the last {range.Label}.");
        var missing = replies.Where(r => r is not null).SelectMany(r => r!.MonthsWithoutInput).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        double? Of(EndpointCostsReply? r, Func<EndpointCost, double> pick) =>
            r is null || r.TotalUsd <= 0 || r.MinutesWithRequests == 0 ? null : r.Endpoints.FirstOrDefault(e => e.Endpoint == endpoint) is { } row ? pick(row) : 0;
        return new Answer<CostSeries>(new CostSeries([.. parts.Select(p => p.From)], [.. replies.Select(r => Of(r, e => e.UsdByRequests))],
            [.. replies.Select(r => Of(r, e => e.UsdByCpu))], missing), null);
    }
}
