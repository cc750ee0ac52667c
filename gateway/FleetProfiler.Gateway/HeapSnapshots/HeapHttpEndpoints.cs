using FleetProfiler.Gateway.Query;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FleetProfiler.Gateway.HeapSnapshots;

/// <summary>
/// Heap snapshots as JSON on the HTTP/1.1 port, each the proto3 JSON mapping of its gRPC reply (camelCase, 64-bit
/// integers as strings, zero values included): <c>GET /api/heap?service=S&amp;host=H&amp;limit=N</c> (list, newest first),
/// <c>/api/heap/snapshot?service=S&amp;id=host/N&amp;order=live|retained|objects&amp;limit=N</c> (one; no id = the newest),
/// <c>/api/heap/diff?service=S&amp;a=host/N&amp;b=host/M&amp;limit=N</c>. Errors: 400/404 with the message as plain text.
/// </summary>
public static class HeapHttpEndpoints
{
    public static IEndpointRouteBuilder MapHeapHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/heap", (HttpContext http, HeapSnapshotService heap) => HttpArguments.JsonAsync(async () =>
        {
            var q = http.Request.Query;
            return await heap.ListHeapSnapshots(new ListHeapSnapshotsRequest { Service = q["service"].ToString(), Host = q["host"].ToString(), Limit = HttpArguments.Int(q["limit"], "limit") }, null!);
        }));
        app.MapGet("/api/heap/snapshot", (HttpContext http, HeapSnapshotService heap) => HttpArguments.JsonAsync(async () =>
        {
            var q = http.Request.Query;
            return await heap.GetHeapSnapshot(new GetHeapSnapshotRequest
            {
                Service = q["service"].ToString(),
                Host = q["host"].ToString(),
                Id = q["id"].ToString(),
                OrderBy = q["order"].ToString(),
                Limit = HttpArguments.Int(q["limit"], "limit"),
            }, null!);
        }));
        app.MapGet("/api/heap/diff", (HttpContext http, HeapSnapshotService heap) => HttpArguments.JsonAsync(async () =>
        {
            var q = http.Request.Query;
            return await heap.DiffHeapSnapshots(new DiffHeapSnapshotsRequest
            {
                Service = q["service"].ToString(),
                Host = q["host"].ToString(),
                A = q["a"].ToString(),
                B = q["b"].ToString(),
                Limit = HttpArguments.Int(q["limit"], "limit"),
            }, null!);
        }));
        return app;
    }
}
