using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Query;

/// <summary>
/// Joins the request metrics of a service's endpoints (route minutes) with what profiling windows saw of them: one
/// row per endpoint name, requests first as before (most requested first), then the rows with samples but no
/// requests (<c>[not in a request]</c>, <c>[not attributed]</c>, endpoints idle in the range) by CPU samples.
/// </summary>
public static class EndpointRows
{
    public static IEnumerable<EndpointRow> Join(IReadOnlyList<EndpointSummary> requests, ServiceEndpointUsage usage)
    {
        var figures = usage.Endpoints.ToDictionary(e => e.Endpoint, e => e.Figures, StringComparer.Ordinal);
        var serviceCpu = usage.Total.CpuSamples;
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in requests)
        {
            var name = EndpointNames.Of(e.Method, e.Route);
            named.Add(name);
            var row = new EndpointRow
            {
                Method = e.Method,
                Route = e.Route,
                Requests = e.Requests,
                RequestsPerMinute = e.RequestsPerMinute,
                MeanMs = e.MeanMs,
                P50Ms = e.P50Ms,
                P95Ms = e.P95Ms,
                P99Ms = e.P99Ms,
                ErrorShare = e.ErrorShare,
                ClientErrorShare = e.ClientErrorShare,
            };
            if (figures.TryGetValue(name, out var f)) AddSamples(row, f, serviceCpu);
            yield return row;
        }
        foreach (var u in usage.Endpoints.Where(u => !named.Contains(u.Endpoint) && (u.Figures.CpuSamples | u.Figures.WallSamples | u.Figures.AllocBytes) != 0))
        {
            var row = new EndpointRow { Method = u.Method, Route = u.Route };
            AddSamples(row, u.Figures, serviceCpu);
            yield return row;
        }
    }

    private static void AddSamples(EndpointRow row, EndpointFigures f, long serviceCpu)
    {
        row.CpuSamples = f.CpuSamples;
        row.CpuSeconds = f.CpuSeconds;
        // Requests from the route minutes (the whole range), CPU from the windows: the same ratio as EndpointFigures.CpuMsPerRequest.
        row.CpuMsPerRequest = row.Requests == 0 ? 0 : f.CpuSeconds * 1000 / row.Requests;
        row.CpuShare = serviceCpu == 0 ? 0 : (double)f.CpuSamples / serviceCpu;
        row.WallSamples = f.WallSamples;
        row.AllocBytes = f.AllocBytes;
    }

    /// <summary>The windows by attribution method; a silo of an older version sends none: all <paramref name="windows"/> unknown.</summary>
    public static Protocol.V1.WindowAttributions Attributions(Abstractions.Endpoints.WindowAttributions? a, int windows)
    {
        a ??= Abstractions.Endpoints.WindowAttributions.Empty with { Unknown = windows };
        var m = new Protocol.V1.WindowAttributions { Timeline = a.Timeline, Threads = a.Threads, None = a.None, Off = a.Off, Unknown = a.Unknown };
        m.ThreadsNotes.AddRange(a.ThreadsNotes);
        return m;
    }
}
