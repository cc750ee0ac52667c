using FleetProfiler.Gateway.Query;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FleetProfiler.Gateway.DeadCode;

/// <summary>
/// Dead code on the HTTP/1.1 port, answering what the gRPC DeadCode service answers:
/// <c>GET /api/deadcode?from=DAY&amp;to=DAY&amp;service=S&amp;team=T&amp;prefix=P&amp;limit=N&amp;live=1&amp;format=json|csv|tsv</c>,
/// <c>GET /api/deadcode/teams?from=DAY&amp;to=DAY&amp;service=S&amp;prefix=P&amp;format=json|csv|tsv</c>,
/// <c>GET /api/deadcode/notrun?to=DAY&amp;period=30&amp;min=N&amp;service=S&amp;prefix=P&amp;limit=N&amp;format=json|csv|tsv</c>,
/// <c>GET /api/deadcode/annotate?path=P&amp;from=DAY&amp;to=DAY&amp;period=30&amp;format=json|csv|tsv</c>, and
/// <c>POST /api/deadcode/cobertura?source=integration-rig&amp;day=DAY&amp;root=DIR</c> with the report as the body.
/// JSON is the protobuf JSON mapping (lowerCamelCase); gRPC errors map to 400 / 404 / 500 with the message as text.
/// </summary>
public static class DeadCodeHttpEndpoints
{
    public static IEndpointRouteBuilder MapDeadCodeHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/deadcode", (HttpContext http, DeadCodeService service) => AnswerAsync(http, async q =>
        {
            var reply = await service.ListDeadFiles(new ListDeadFilesRequest
            {
                FromDay = q["from"].ToString(),
                ToDay = q["to"].ToString(),
                Service = q["service"].ToString(),
                Team = q["team"].ToString(),
                PathPrefix = q["prefix"].ToString(),
                Limit = HttpArguments.Int(q["limit"], "limit"),
                IncludeLive = q["live"].ToString() is "1" or "true",
            }, null!);
            return (reply, () => DeadCodeTables.Write(Format(q), DeadCodeTables.FileColumns, DeadCodeTables.FileRows(reply)));
        }));
        app.MapGet("/api/deadcode/teams", (HttpContext http, DeadCodeService service) => AnswerAsync(http, async q =>
        {
            var reply = await service.DeadCodeByTeam(new DeadCodeByTeamRequest
            {
                FromDay = q["from"].ToString(),
                ToDay = q["to"].ToString(),
                Service = q["service"].ToString(),
                PathPrefix = q["prefix"].ToString(),
            }, null!);
            return (reply, () => DeadCodeTables.Write(Format(q), DeadCodeTables.TeamColumns, DeadCodeTables.TeamRows(reply)));
        }));
        app.MapGet("/api/deadcode/notrun", (HttpContext http, DeadCodeService service) => AnswerAsync(http, async q =>
        {
            var reply = await service.ListNotRun(new ListNotRunRequest
            {
                ToDay = q["to"].ToString(),
                PeriodDays = HttpArguments.Int(q["period"], "period"),
                MinDays = HttpArguments.Int(q["min"], "min"),
                Service = q["service"].ToString(),
                PathPrefix = q["prefix"].ToString(),
                Limit = HttpArguments.Int(q["limit"], "limit"),
            }, null!);
            return (reply, () => DeadCodeTables.Write(Format(q), DeadCodeTables.NotRunColumns, DeadCodeTables.NotRunRows(reply)));
        }));
        app.MapGet("/api/deadcode/annotate", (HttpContext http, DeadCodeService service) => AnswerAsync(http, async q =>
        {
            var reply = await service.AnnotateFile(new AnnotateFileRequest
            {
                Path = q["path"].ToString(),
                FromDay = q["from"].ToString(),
                ToDay = q["to"].ToString(),
                PeriodDays = HttpArguments.Int(q["period"], "period"),
            }, null!);
            return (reply, () => DeadCodeTables.Write(Format(q), DeadCodeTables.LineColumns(reply), DeadCodeTables.LineRows(reply)));
        }));
        app.MapPost("/api/deadcode/cobertura", (HttpContext http, DeadCodeService service) => AnswerAsync(http, async q =>
        {
            using var body = new StreamReader(http.Request.Body);
            var reply = await service.ImportCobertura(new ImportCoberturaRequest
            {
                Source = q["source"].ToString(),
                Day = q["day"].ToString(),
                Root = q["root"].ToString(),
                Xml = await body.ReadToEndAsync(http.RequestAborted),
            }, null!);
            return (reply, () => throw Query.QueryArguments.Invalid("format: an import answers JSON only"));
        })).RequireAuthorization(FleetPolicies.Operator);
        return app;
    }

    private static async Task<IResult> AnswerAsync(HttpContext http, Func<IQueryCollection, Task<(IMessage Reply, Func<string> Table)>> answer)
    {
        try
        {
            var format = Format(http.Request.Query);
            var (reply, table) = await answer(http.Request.Query);
            return format == "json"
                ? Results.Text(HttpArguments.Json.Format(reply), "application/json")
                : Results.Text(table(), format == "csv" ? "text/csv; charset=utf-8" : "text/tab-separated-values; charset=utf-8");
        }
        catch (RpcException e)
        {
            return HttpArguments.Error(e);
        }
    }

    private static string Format(IQueryCollection q) => q["format"].ToString() switch
    {
        "" or "json" => "json",
        "csv" => "csv",
        "tsv" => "tsv",
        var other => throw Query.QueryArguments.Invalid($"format: unknown format '{other}' (json, csv or tsv)"),
    };
}
