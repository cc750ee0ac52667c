using System.Globalization;
using FleetProfiler.Gateway.Cost;
using FleetProfiler.Gateway.DeadCode;
using FleetProfiler.Gateway.Query;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Web.Insights;

/// <summary>One endpoint on the popular-vs-costly chart.</summary>
public sealed record EndpointPoint(string Endpoint, double RequestsPerMinute, double CostPerRequest);

/// <summary>
/// The popular-vs-costly chart: requests per minute against cost per request by CPU share (by request share every
/// request costs the same, which is the classic method's blind spot), or CPU ms per request when the range has no
/// cost input.
/// </summary>
public sealed record Popularity(IReadOnlyList<EndpointPoint> Points, bool InUsd, string YAxis);

/// <summary>The service page: the four insights over one range, each loaded on its own so one missing input hides nothing else.</summary>
public sealed record ServiceView(
    string Service,
    ViewRange Range,
    Answer<TopReply> MemoryFunctions,
    Answer<TopReply> MemoryFiles,
    Answer<TopReply> CpuFunctions,
    Answer<TopReply> CpuFiles,
    Answer<EndpointCostsReply> Costs,
    Answer<ListDeadFilesReply> DeadCode,
    Answer<Popularity> Popularity);

public sealed class ServiceInsights(QueryService query, CostService cost, DeadCodeService deadCode)
{
    /// <summary>Rows of each panel; the full views list more.</summary>
    public const int PanelRows = 10;

    public async Task<ServiceView> LoadAsync(string service, ViewRange range)
    {
        var memoryFunctions = TopAsync(service, range, "alloc", files: false, PanelRows);
        var memoryFiles = TopAsync(service, range, "alloc", files: true, PanelRows);
        var cpuFunctions = TopAsync(service, range, "cpu", files: false, PanelRows);
        var cpuFiles = TopAsync(service, range, "cpu", files: true, PanelRows);
        var costs = CostsAsync(service, range, "requests");
        var dead = DeadFilesAsync(deadCode, range, service, team: "", PanelRows);
        var costReply = await costs;
        return new ServiceView(service, range, await memoryFunctions, await memoryFiles, await cpuFunctions, await cpuFiles,
            costReply, await dead, PopularityOf(service, range, costReply));
    }

    public Task<Answer<TopReply>> TopAsync(string service, ViewRange range, string kind, bool files, int limit, string endpoint = "")
    {
        var request = new TopRequest
        {
            Selector = new Selector { Service = service, Endpoint = endpoint },
            From = range.FromTimestamp,
            To = range.ToTimestamp,
            Kind = kind,
            Limit = limit,
        };
        var what = kind switch { "alloc" => "allocation", "inuse" => "in-use", _ => kind.ToUpperInvariant() };
        return Answer.Of(() => files ? query.TopFiles(request, null!) : query.TopFunctions(request, null!),
            $"No {what} profiling windows of {service} in the last {range.Label}", r => r.Windows == 0 || r.Entries.Count == 0);
    }

    public Task<Answer<EndpointCostsReply>> CostsAsync(string service, ViewRange range, string basis) =>
        Answer.Of(() => cost.EndpointCosts(new EndpointCostsRequest { Service = service, From = range.FromTimestamp, To = range.ToTimestamp, Basis = basis }, null!),
            $"No request metrics of {service} in the last {range.Label}", r => r.Endpoints.Count == 0);

    /// <summary>Dead files over the range's UTC days (dead code is kept per day), certain first as the service ranks them.</summary>
    public static Task<Answer<ListDeadFilesReply>> DeadFilesAsync(DeadCodeService deadCode, ViewRange range, string service, string team, int limit)
    {
        var (from, to) = Days(range);
        var scope = service.Length > 0 ? $" of {service}" : team.Length > 0 ? $" owned by {team}" : "";
        return Answer.Of(() => deadCode.ListDeadFiles(new ListDeadFilesRequest { FromDay = from, ToDay = to, Service = service, Team = team, Limit = limit }, null!),
            $"No coverage runs{scope} from {from} to {to}: dead code needs coverage runs (docs/dead-code.md)", r => r.Runs == 0 && r.Files.Count == 0);
    }

    public static (string From, string To) Days(ViewRange range) =>
        (range.From.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), range.To.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    private static Answer<Popularity> PopularityOf(string service, ViewRange range, Answer<EndpointCostsReply> costs)
    {
        if (costs.Data is not { } reply) return new Answer<Popularity>(null, costs.Missing);
        return PopularityOf(reply) is { } popularity
            ? new Answer<Popularity>(popularity, null)
            : new Answer<Popularity>(null, $"No requests to named endpoints of {service} in the last {range.Label}.");
    }

    /// <summary>The chart's points: named endpoints with requests (bracketed rows have none to divide by); null when there are none.</summary>
    public static Popularity? PopularityOf(EndpointCostsReply reply)
    {
        var inUsd = reply.TotalUsd > 0;
        var minutes = Math.Max(1, reply.MinutesWithRequests);
        var points = reply.Endpoints
            .Where(e => e.Requests > 0 && !e.Endpoint.StartsWith('['))
            .Select(e => new EndpointPoint(e.Endpoint, (double)e.Requests / minutes, inUsd ? e.UsdByCpu / e.Requests : e.CpuMsPerRequest))
            .ToList();
        return points.Count == 0 ? null : new Popularity(points, inUsd, inUsd ? "USD per request (by CPU share)" : "CPU ms per request");
    }
}
