using FleetProfiler.Gateway.Query;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FleetProfiler.Gateway.Cost;

/// <summary>
/// The cost reports as JSON on the HTTP/1.1 port, each the proto3 JSON mapping of its gRPC reply (camelCase fields,
/// 64-bit integers as strings, zero values included): <c>GET /api/cost/endpoints</c>, <c>/api/cost/top</c>,
/// <c>/api/teams</c>, <c>/api/owners</c>, and the endpoint list (<c>GET /api/endpoints</c>, Query/ListEndpoints). Ranges: <c>since=15m</c> (default) or <c>from=…&amp;to=…</c> (ISO 8601).
/// Errors: 400 for a bad argument, 404 for an unknown service or team, the message as plain text.
/// </summary>
public static class CostHttpEndpoints
{
    public static IEndpointRouteBuilder MapCostHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cost/endpoints", (HttpContext http, CostService cost) => HttpArguments.JsonAsync(async () =>
        {
            var q = http.Request.Query;
            var (from, to) = ProfileHttpEndpoints.Range(q["since"], q["from"], q["to"]);
            return await cost.EndpointCosts(new EndpointCostsRequest { Service = q["service"].ToString(), From = from, To = to, Basis = q["basis"].ToString(), Limit = HttpArguments.Int(q["limit"], "limit") }, null!);
        }));
        app.MapGet("/api/cost/top", (HttpContext http, CostService cost) => HttpArguments.JsonAsync(async () =>
        {
            var q = http.Request.Query;
            var (from, to) = ProfileHttpEndpoints.Range(q["since"], q["from"], q["to"]);
            return await cost.TopEndpoints(new TopEndpointsRequest { Service = q["service"].ToString(), From = from, To = to, By = q["by"].ToString(), Basis = q["basis"].ToString(), Limit = HttpArguments.Int(q["limit"], "limit") }, null!);
        }));
        app.MapGet("/api/teams", (HttpContext http, CostService cost) => HttpArguments.JsonAsync(async () =>
        {
            var q = http.Request.Query;
            var (from, to) = ProfileHttpEndpoints.Range(q["since"], q["from"], q["to"]);
            return await cost.TeamCosts(new TeamCostsRequest { Team = q["team"].ToString(), Service = q["service"].ToString(), From = from, To = to, Basis = q["basis"].ToString(), Top = HttpArguments.Int(q["top"], "top") }, null!);
        }));
        app.MapGet("/api/endpoints", (HttpContext http, QueryService query) => HttpArguments.JsonAsync(async () =>
        {
            var q = http.Request.Query;
            var (from, to) = ProfileHttpEndpoints.Range(q["since"], q["from"], q["to"]);
            return await query.ListEndpoints(new ListEndpointsRequest { Service = q["service"].ToString(), From = from, To = to, PerMinute = Flag(q["per_minute"], "per_minute") }, null!);
        }));
        app.MapGet("/api/owners", (HttpContext http, CostService cost) => HttpArguments.JsonAsync(async () =>
            await cost.ListEndpointOwners(new ListEndpointOwnersRequest { Service = http.Request.Query["service"].ToString() }, null!)));
        return app;
    }

    private static bool Flag(string? value, string name) => value switch
    {
        null or "" or "false" => false,
        "true" => true,
        _ => throw QueryArguments.Invalid($"{name}: '{value}' is not true or false"),
    };
}
