using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FleetProfiler.Gateway.Query;

/// <summary>
/// The leak finder as JSON on the HTTP/1.1 port: <c>GET /api/growth?service=S&amp;window=10m&amp;ago=1h</c> (B = the last
/// <c>window</c> up to now, A = the same window <c>ago</c> earlier, as the CLI's <c>--window/--ago</c>) or
/// <c>from_a=…&amp;to_a=…&amp;from_b=…&amp;to_b=…</c> (ISO 8601), with <c>host</c>, <c>endpoint</c>, <c>by=site|type</c>
/// and <c>limit</c>. The body is the proto3 JSON mapping of <c>Query/Growth</c>'s reply (camelCase, 64-bit integers as
/// strings, zero values included); errors are 400/404 with the message as plain text, like the other /api routes.
/// The web app's growth page (<c>/app/growth</c>) reads the same parameters through <see cref="Request"/>.
/// </summary>
public static class GrowthHttpEndpoints
{
    public static IEndpointRouteBuilder MapGrowthHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/growth", async (HttpContext http, QueryService query, TimeProvider clock) =>
        {
            try
            {
                var request = Request(name => http.Request.Query[name].ToString(), clock.GetUtcNow());
                return Results.Text(HttpArguments.Json.Format(await query.Growth(request, null!)), "application/json");
            }
            catch (RpcException e)
            {
                return HttpArguments.Error(e);
            }
        });
        return app;
    }

    /// <summary>
    /// The <c>Query/Growth</c> request of a growth view's parameters (<paramref name="parameter"/>: a query-string name
    /// → its value, empty or null when absent); relative ranges end at <paramref name="now"/>.
    /// INVALID_ARGUMENT names the parameter at fault.
    /// </summary>
    public static GrowthRequest Request(Func<string, string?> parameter, DateTimeOffset now)
    {
        var (fromA, toA, fromB, toB) = Ranges(parameter("window"), parameter("ago"), parameter("from_a"), parameter("to_a"), parameter("from_b"), parameter("to_b"), now);
        return new GrowthRequest
        {
            Selector = new Selector { Service = parameter("service") ?? "", Host = parameter("host") ?? "", Endpoint = parameter("endpoint") ?? "" },
            FromA = fromA,
            ToA = toA,
            FromB = fromB,
            ToB = toB,
            By = parameter("by") ?? "",
            Limit = HttpArguments.Int(parameter("limit"), "limit"),
        };
    }

    private static (Timestamp FromA, Timestamp ToA, Timestamp FromB, Timestamp ToB) Ranges(
        string? window, string? ago, string? fromA, string? toA, string? fromB, string? toB, DateTimeOffset now)
    {
        var relative = !string.IsNullOrEmpty(window) || !string.IsNullOrEmpty(ago);
        var explicitRanges = new[] { fromA, toA, fromB, toB }.Any(v => !string.IsNullOrEmpty(v));
        if (relative && explicitRanges) throw QueryArguments.Invalid("use either window/ago or from_a/to_a/from_b/to_b, not both");
        if (!relative && !explicitRanges)
            throw QueryArguments.Invalid("say what to compare: window=W&ago=D (the last W against the same W D earlier) or from_a, to_a, from_b, to_b");
        if (relative)
        {
            if (string.IsNullOrEmpty(window)) throw QueryArguments.Invalid("window: required with ago (e.g. window=10m&ago=1h)");
            if (string.IsNullOrEmpty(ago)) throw QueryArguments.Invalid("ago: required with window (e.g. window=10m&ago=1h)");
            var w = ProfileHttpEndpoints.ParseSpan(window, "window");
            var d = ProfileHttpEndpoints.ParseSpan(ago, "ago");
            return (Timestamp.FromDateTimeOffset(now - w - d), Timestamp.FromDateTimeOffset(now - d), Timestamp.FromDateTimeOffset(now - w), Timestamp.FromDateTimeOffset(now));
        }
        return (HttpArguments.Time(fromA, "from_a"), HttpArguments.Time(toA, "to_a"), HttpArguments.Time(fromB, "from_b"), HttpArguments.Time(toB, "to_b"));
    }
}
