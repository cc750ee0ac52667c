using FleetProfiler.Gateway.Query;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FleetProfiler.Gateway.Schedules;

/// <summary>
/// Schedules as JSON on the HTTP/1.1 port, read-only: <c>GET /api/schedules[?service=S]</c> answers what
/// <c>Schedule/List</c> answers, <c>GET /api/schedules/history?service=S[&amp;kind=K][&amp;limit=N]</c> what
/// <c>Schedule/History</c> answers, in the protobuf JSON mapping (lowerCamelCase fields, RFC 3339 times, "3600s"
/// durations). Changes go through gRPC or the CLI. gRPC errors map to 400 / 404 with the message as text.
/// </summary>
public static class ScheduleHttpEndpoints
{
    public static IEndpointRouteBuilder MapScheduleHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/schedules", (HttpContext http, ScheduleService schedules) => HttpArguments.JsonAsync(() =>
            schedules.List(new ListSchedulesRequest { Service = http.Request.Query["service"].ToString() }, null!)));
        app.MapGet("/api/schedules/history", (HttpContext http, ScheduleService schedules) => HttpArguments.JsonAsync(() =>
        {
            var q = http.Request.Query;
            var limit = q["limit"].ToString();
            uint n = 0;
            if (limit.Length > 0 && !uint.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out n))
                throw Query.QueryArguments.Invalid($"limit: '{limit}' is not a whole number");
            return schedules.History(new ScheduleHistoryRequest { Service = q["service"].ToString(), Kind = q["kind"].ToString(), Limit = n }, null!);
        }));
        return app;
    }
}
