using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FleetProfiler.Gateway.Query;

/// <summary>
/// The query API for browsers and curl on the HTTP/1.1 port: <c>GET /api/profile?service=S&amp;kind=cpu&amp;format=svg&amp;since=15m</c>
/// answers exactly what <c>Query/GetProfile</c> answers, with gRPC errors mapped to HTTP statuses.
/// <c>version=V</c> reads only the windows of that service version (<c>Selector.version</c>).
/// <c>types=1</c> keeps allocated types as leaf frames under their allocation sites (<c>allocated_types</c>).
/// </summary>
public static class ProfileHttpEndpoints
{
    public static IEndpointRouteBuilder MapProfileHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/profile", async (HttpContext http, QueryService query) =>
        {
            var q = http.Request.Query;
            try
            {
                var (from, to) = Range(q["since"], q["from"], q["to"]);
                var reply = await query.GetProfile(new GetProfileRequest
                {
                    Selector = new Selector { Service = q["service"].ToString(), Host = q["host"].ToString(), Endpoint = q["endpoint"].ToString(), Version = q["version"].ToString() },
                    From = from,
                    To = to,
                    Kind = q["kind"].Count == 0 ? "cpu" : q["kind"].ToString(),
                    Format = q["format"].Count == 0 ? "svg" : q["format"].ToString(),
                    AllocatedTypes = Flag(q["types"], "types"),
                }, null!);
                http.Response.Headers["X-FleetProfiler-Windows"] = reply.Windows.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // The range actually read: wider than asked when it snapped to whole hours or hit a level's retention.
                http.Response.Headers["X-FleetProfiler-Covered"] = $"{reply.Coverage.From.ToDateTimeOffset():O}/{reply.Coverage.To.ToDateTimeOffset():O}";
                http.Response.Headers["X-FleetProfiler-Widened"] = reply.Coverage.Widened ? "true" : "false";
                return Results.Bytes(reply.Data.Memory, reply.ContentType);
            }
            catch (RpcException e)
            {
                var status = e.StatusCode switch
                {
                    StatusCode.InvalidArgument => 400,
                    StatusCode.NotFound => 404,
                    _ => 500,
                };
                return Results.Text(e.Status.Detail + "\n", "text/plain", statusCode: status);
            }
        });
        return app;
    }

    private static bool Flag(string? value, string name) => value switch
    {
        null or "" or "0" or "false" => false,
        "1" or "true" => true,
        _ => throw QueryArguments.Invalid($"{name}: '{value}' is not 1, 0, true or false"),
    };

    internal static (Timestamp From, Timestamp To) Range(string? since, string? from, string? to)
    {
        if (!string.IsNullOrEmpty(from) || !string.IsNullOrEmpty(to))
        {
            if (!DateTimeOffset.TryParse(from, System.Globalization.CultureInfo.InvariantCulture, out var f)) throw QueryArguments.Invalid("from: not an ISO 8601 time");
            if (!DateTimeOffset.TryParse(to, System.Globalization.CultureInfo.InvariantCulture, out var t)) throw QueryArguments.Invalid("to: not an ISO 8601 time");
            return (Timestamp.FromDateTimeOffset(f), Timestamp.FromDateTimeOffset(t));
        }
        var span = ParseSpan(string.IsNullOrEmpty(since) ? "15m" : since);
        var now = DateTimeOffset.UtcNow;
        return (Timestamp.FromDateTimeOffset(now - span), Timestamp.FromDateTimeOffset(now));
    }

    internal static TimeSpan ParseSpan(string s, string name = "since")
    {
        if (s.Length >= 2 && double.TryParse(s[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            switch (s[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }
        throw QueryArguments.Invalid($"{name}: '{s}' is not a duration like 30s, 15m, 1h or 2d");
    }
}
