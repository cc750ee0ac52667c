using FleetProfiler.Gateway.Query;
using FleetProfiler.Gateway.Status;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Web.Insights;

/// <summary>One service on the fleet page: its hosts, when it last reported, and its CPU and allocation trend.</summary>
public sealed record ServiceRow(string Name, IReadOnlyList<HostSummary> Hosts, DateTimeOffset? LastSeen, Trend Cpu, Trend Allocations)
{
    public int Connected => Hosts.Count(h => h.Connected);
}

/// <summary>
/// A trend over a range in equal parts, oldest first: the CPU samples or allocated bytes of each part; null for a
/// part in which no window ran (not zero: nothing was measured).
/// </summary>
public sealed record Trend(IReadOnlyList<double?> Points)
{
    public bool Empty => Points.All(p => p is null);
}

public sealed record FleetView(StatusReply Status, IReadOnlyList<ServiceRow> Services, ViewRange Range);

/// <summary>The fleet page's data: the cluster's silos and every service with its hosts and trends.</summary>
public sealed class FleetInsights(StatusService status, QueryService query)
{
    /// <summary>Points of a sparkline.</summary>
    public const int TrendPoints = 12;

    public async Task<FleetView> LoadAsync(ViewRange range)
    {
        var reply = await status.GetStatus(new GetStatusRequest(), null!);
        var rows = await Task.WhenAll(reply.Services.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => RowAsync(s.Name, range)));
        return new FleetView(reply, rows, range);
    }

    private async Task<ServiceRow> RowAsync(string service, ViewRange range)
    {
        var hosts = query.ListHosts(new ListHostsRequest { Service = service }, null!);
        var cpu = TrendAsync(query, service, range, "cpu");
        var alloc = TrendAsync(query, service, range, "alloc");
        var list = (await hosts).Hosts;
        DateTimeOffset? last = list.Count == 0 ? null : list.Max(h => h.LastSeen.ToDateTimeOffset());
        return new ServiceRow(service, list, last, await cpu, await alloc);
    }

    /// <summary>The kind's total in each part of the range (a TopFunctions of one entry answers the part's total).</summary>
    public static async Task<Trend> TrendAsync(QueryService query, string service, ViewRange range, string kind, string endpoint = "")
    {
        var points = await Task.WhenAll(range.Split(TrendPoints).Select(async part =>
        {
            try
            {
                var top = await query.TopFunctions(new TopRequest
                {
                    Selector = new Selector { Service = service, Endpoint = endpoint },
                    From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(part.From),
                    To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(part.To),
                    Kind = kind,
                    Limit = 1,
                }, null!);
                return top.Windows == 0 ? (double?)null : top.Total;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return null;
            }
        }));
        return new Trend(points);
    }
}
