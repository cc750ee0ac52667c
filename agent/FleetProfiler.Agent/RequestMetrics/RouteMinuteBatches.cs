using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Agent.RequestMetrics;

/// <summary>
/// A service's finished minutes as wire batches (<c>route_minutes</c>, no window tables), at most
/// <see cref="BatchLimitDefaults.MaxRouteMinutes"/> rows each. <c>sequence</c> and <c>dropped_windows</c> are the spool's.
/// </summary>
public static class RouteMinuteBatches
{
    public static IReadOnlyList<Batch> From(ServiceRouteMinutes minutes, string host, int maxRowsPerBatch = BatchLimitDefaults.MaxRouteMinutes) =>
        minutes.Rows.Chunk(maxRowsPerBatch).Select(rows =>
        {
            var batch = new Batch
            {
                Service = minutes.Service,
                Host = host,
                WindowStart = Timestamp.FromDateTimeOffset(rows.Min(r => r.Minute)),
                WindowEnd = Timestamp.FromDateTimeOffset(rows.Max(r => r.Minute).AddMinutes(1)),
            };
            batch.RouteMinutes.AddRange(rows.Select(r => new RouteMinute
            {
                Minute = Timestamp.FromDateTimeOffset(r.Minute),
                Method = r.Method,
                Route = r.Route,
                StatusClass = r.StatusClass,
                Requests = r.Requests,
                DurationSumMs = r.DurationSumMs,
                P50Ms = r.P50Ms,
                P95Ms = r.P95Ms,
                P99Ms = r.P99Ms,
            }));
            return batch;
        }).ToList();
}
