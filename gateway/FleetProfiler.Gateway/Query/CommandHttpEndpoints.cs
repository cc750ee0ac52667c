using FleetProfiler.Protocol.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FleetProfiler.Gateway.Query;

/// <summary>
/// A host's recent commands as JSON on the HTTP/1.1 port, read-only: <c>GET /api/commands?service=S&amp;host=H</c>
/// answers what <c>Query/ListCommands</c> answers, with <c>&amp;id=ID</c> what <c>Query/GetCommand</c> answers, in the
/// protobuf JSON mapping. gRPC errors map to 400 / 404 with the message as text.
/// </summary>
public static class CommandHttpEndpoints
{
    public static IEndpointRouteBuilder MapCommandHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/commands", (HttpContext http, QueryService query) =>
        {
            var q = http.Request.Query;
            var (service, host, id) = (q["service"].ToString(), q["host"].ToString(), q["id"].ToString());
            return id.Length == 0
                ? HttpArguments.JsonAsync(() => query.ListCommands(new ListCommandsRequest { Service = service, Host = host }, null!))
                : HttpArguments.JsonAsync(() => query.GetCommand(new GetCommandRequest { Service = service, Host = host, Id = id }, null!));
        });
        return app;
    }
}
