using System.Text.Json;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Formats;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FleetProfiler.Gateway.Query;

/// <summary>
/// The flamegraph explorer's data (reader role), over the same loading path as <c>GetProfile</c>:
/// <list type="bullet">
/// <item><c>GET /api/flame?service=S[&amp;host=H][&amp;endpoint=E]&amp;kind=cpu|wall|alloc&amp;from=&amp;to=</c> (or <c>since=</c>):
/// a <see cref="FlameTree"/> as JSON, parallel arrays under a string table, at most <c>max</c> nodes (default
/// <see cref="FlameTree.DefaultMaxNodes"/>, at most <see cref="FlameTree.MaxMaxNodes"/>), the rest folded into <c>[other]</c>
/// (<c>foldedNodes</c> says how many).</item>
/// <item>With <c>empty=ok</c>, "no data" (404) answers 200 with <c>nodes: 0</c> and <c>missing</c> saying what is missing: the
/// explorer asks while its timeline loads, before it knows whether the range holds samples, and a 404 would be a
/// console error.</item>
/// <item>Every graph reply carries a <c>Server-Timing</c> header: <c>query</c> (the grains' read and merge, and decoding the
/// merged tree), <c>build</c> (the compact tree under the node cap) and <c>json</c> (writing the reply), in ms.</item>
/// <item>With <c>mode=diff&amp;from_b=&amp;to_b=</c> (and optionally <c>service_b</c>, <c>host_b</c>, <c>endpoint_b</c>): A (from/to)
/// is "before", B "after"; the layout is the mean share of both, <c>before</c>/<c>after</c> hold each side's share.</item>
/// <item><c>version=V</c> (side A, and the only side outside a diff) and <c>version_b=W</c> select windows by service
/// version (<c>Selector.version</c>, raw windows only); with <c>version_b</c> and no <c>from_b</c>/<c>to_b</c>, B reads A's
/// range: a diff of two versions over one range.</item>
/// <item><c>GET /api/versions?service=S[&amp;host=H]</c>: the service's versions with first and last seen (<c>ListVersions</c>),
/// for the explorer's version pickers.</item>
/// <item><c>GET /api/timeline?service=S[&amp;host=H][&amp;endpoint=E]&amp;kind=&amp;from=&amp;to=[&amp;step=5m]</c>: sample volume per
/// time slot, for the range picker.</item>
/// </list>
/// </summary>
public static class FlameHttpEndpoints
{
    /// <summary>Slots a timeline aims for when no step is given.</summary>
    public const int TimelineSlots = 120;

    private static readonly TimeSpan[] Steps =
        [.. new[] { 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080 }.Select(m => TimeSpan.FromMinutes(m))];

    public static IEndpointRouteBuilder MapFlameHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/flame", async (HttpContext http, QueryService query) =>
        {
            var q = http.Request.Query;
            try
            {
                var kindName = q["kind"].Count == 0 ? "cpu" : q["kind"].ToString();
                var kind = QueryArguments.Kind(kindName);
                var max = MaxNodes(q["max"]);
                var selector = new Protocol.V1.Selector { Service = q["service"].ToString(), Host = q["host"].ToString(), Endpoint = q["endpoint"].ToString(), Version = q["version"].ToString() };
                var (service, host, endpoint) = QueryArguments.Selector(selector);
                var version = QueryArguments.Version(selector);
                var (fromA, toA) = ProfileHttpEndpoints.Range(q["since"], q["from"], q["to"]);
                var rangeA = QueryArguments.Range(fromA, toA);
                var diff = q["mode"].ToString() switch
                {
                    "" or "flame" => false,
                    "diff" => true,
                    var m => throw QueryArguments.Invalid($"mode: unknown mode '{m}' (flame or diff)"),
                };
                var clock = System.Diagnostics.Stopwatch.StartNew();
                if (!diff)
                {
                    var (profile, tree) = await query.LoadAsync(service, host, endpoint, rangeA, kind, version: version);
                    var loaded = clock.Elapsed;
                    var flame = FlameTree.Build(tree.WithoutAllocatedTypes(), kind, max);
                    return Json(http, clock, loaded, flame, kindName, kind, false, w =>
                    {
                        WriteRange(w, "range", rangeA, profile);
                        w.WriteNumber("windows", profile.Windows);
                        w.WriteBoolean("truncated", profile.Truncated);
                        if (version is not null) w.WriteString("version", version);
                        if (profile.Note is { Length: > 0 } note) w.WriteString("note", note);
                    });
                }
                var selectorB = new Protocol.V1.Selector
                {
                    Service = q["service_b"].Count == 0 ? service : q["service_b"].ToString(),
                    Host = q["host_b"].Count == 0 ? host ?? "" : q["host_b"].ToString(),
                    Endpoint = q["endpoint_b"].Count == 0 ? endpoint ?? "" : q["endpoint_b"].ToString(),
                    Version = q["version_b"].ToString(),
                };
                var (serviceB, hostB, endpointB) = QueryArguments.Selector(selectorB, "selector_b");
                var versionB = QueryArguments.Version(selectorB, "selector_b");
                var sameRange = string.IsNullOrEmpty(q["from_b"]) && string.IsNullOrEmpty(q["to_b"]);
                if (sameRange && versionB is null) throw QueryArguments.Invalid("from_b/to_b: required in mode diff (range B, the 'after' side), unless version_b names the version to compare over range A");
                var rangeB = rangeA;
                if (!sameRange)
                {
                    var (fromB, toB) = ProfileHttpEndpoints.Range(null, q["from_b"], q["to_b"]);
                    rangeB = QueryArguments.Range(fromB, toB, "from_b", "to_b");
                }
                var a = query.LoadAsync(service, host, endpoint, rangeA, kind, "selector", version);
                var b = query.LoadAsync(serviceB, hostB, endpointB, rangeB, kind, "selector_b", versionB);
                var (profileA, treeA) = await a;
                var (profileB, treeB) = await b;
                var loadedBoth = clock.Elapsed;
                var flameDiff = FlameTree.Build(ProfileDiff.Compute(treeA.WithoutAllocatedTypes(), treeB.WithoutAllocatedTypes(), kind), max);
                return Json(http, clock, loadedBoth, flameDiff, kindName, kind, true, w =>
                {
                    WriteRange(w, "range", rangeA, profileA);
                    WriteRange(w, "rangeB", rangeB, profileB);
                    if (version is not null) w.WriteString("version", version);
                    if (versionB is not null) w.WriteString("versionB", versionB);
                    w.WriteNumber("totalBefore", treeA.Total.Get(kind));
                    w.WriteNumber("totalAfter", treeB.Total.Get(kind));
                    w.WriteNumber("windows", profileA.Windows + profileB.Windows);
                    w.WriteBoolean("truncated", profileA.Truncated || profileB.Truncated);
                });
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && q["empty"] == "ok")
            {
                return Results.Json(new { format = "fleetprofiler-flame/1", nodes = 0, missing = e.Status.Detail });
            }
            catch (RpcException e)
            {
                return HttpArguments.Error(e);
            }
        });

        app.MapGet("/api/versions", (HttpContext http, QueryService query) => HttpArguments.JsonAsync(() =>
            query.ListVersions(new Protocol.V1.ListVersionsRequest { Service = http.Request.Query["service"].ToString(), Host = http.Request.Query["host"].ToString() }, null!)));

        app.MapGet("/api/timeline", async (HttpContext http, QueryService query) =>
        {
            var q = http.Request.Query;
            try
            {
                var kindName = q["kind"].Count == 0 ? "cpu" : q["kind"].ToString();
                var kind = QueryArguments.Kind(kindName);
                if (ProfileTypes.Of(kind).IsGauge) throw QueryArguments.Invalid($"kind: {kindName} is a snapshot, not a volume over time (cpu, wall or alloc)");
                var selector = new Protocol.V1.Selector { Service = q["service"].ToString(), Host = q["host"].ToString(), Endpoint = q["endpoint"].ToString() };
                var (service, host, endpoint) = QueryArguments.Selector(selector);
                var (from, to) = ProfileHttpEndpoints.Range(q["since"], q["from"], q["to"]);
                var range = QueryArguments.Range(from, to);
                var step = q["step"].Count == 0 ? StepFor(range.To - range.From) : ProfileHttpEndpoints.ParseSpan(q["step"].ToString(), "step");
                if (step < TimeSpan.FromMinutes(1)) throw QueryArguments.Invalid("step: at least 1m (minute buckets are the finest stored level)");
                if ((range.To - range.From) / step > ProfileTimeline.MaxSlots)
                    throw QueryArguments.Invalid($"step: {q["step"]} makes more than {ProfileTimeline.MaxSlots} slots; take a longer step");
                var timeline = await query.TimelineAsync(service, host, endpoint, range, step);
                var values = ProfileTypes.Of(kind).Value switch
                {
                    SampleColumn.CpuSamples => timeline.CpuSamples,
                    SampleColumn.WallSamples => timeline.WallSamples,
                    _ => timeline.AllocBytes,
                };
                using var output = new MemoryStream();
                using (var w = new Utf8JsonWriter(output))
                {
                    w.WriteStartObject();
                    w.WriteString("kind", kindName);
                    w.WriteString("unit", ProfileTypes.Of(kind).Unit);
                    w.WriteString("from", timeline.From.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                    w.WriteNumber("stepSeconds", (long)timeline.Step.TotalSeconds);
                    w.WriteString("coarsest", timeline.Coarsest);
                    w.WriteBoolean("truncated", timeline.Truncated);
                    w.WriteStartArray("values");
                    foreach (var v in values) w.WriteNumberValue(v);
                    w.WriteEndArray();
                    w.WriteStartArray("windows");
                    foreach (var v in timeline.Windows) w.WriteNumberValue(v);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                return Results.Bytes(output.ToArray(), "application/json");
            }
            catch (RpcException e)
            {
                return HttpArguments.Error(e);
            }
        });
        return app;
    }

    /// <summary>
    /// The shortest usual step giving at most <see cref="TimelineSlots"/> slots; ranges read at hour precision
    /// (6 h and longer) step at least an hour, so a day's timeline reads hour buckets, not 1,440 minute buckets.
    /// </summary>
    public static TimeSpan StepFor(TimeSpan range)
    {
        var floor = range >= TimeSpan.FromHours(6) ? TimeSpan.FromHours(1) : TimeSpan.Zero;
        foreach (var step in Steps)
            if (step >= floor && range / step <= TimelineSlots) return step;
        return TimeSpan.FromTicks(Math.Max(Steps[^1].Ticks, range.Ticks / TimelineSlots));
    }

    private static int MaxNodes(string? value)
    {
        var max = HttpArguments.Int(value, "max");
        if (max == 0) return FlameTree.DefaultMaxNodes;
        if (max is < 2 or > FlameTree.MaxMaxNodes) throw QueryArguments.Invalid($"max: between 2 and {FlameTree.MaxMaxNodes} nodes");
        return max;
    }

    private static IResult Json(HttpContext http, System.Diagnostics.Stopwatch clock, TimeSpan loaded, FlameTree flame, string kindName, ProfileKind kind, bool diff, Action<Utf8JsonWriter> extra)
    {
        var built = clock.Elapsed;
        using var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("format", "fleetprofiler-flame/1");
            w.WriteString("kind", kindName);
            w.WriteString("unit", diff ? "share" : ProfileTypes.Of(kind).Unit);
            w.WriteBoolean("diff", diff);
            extra(w);
            flame.WriteProperties(w);
            w.WriteEndObject();
        }
        var written = clock.Elapsed;
        http.Response.Headers["Server-Timing"] = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"query;dur={loaded.TotalMilliseconds:F1}, build;dur={(built - loaded).TotalMilliseconds:F1}, json;dur={(written - built).TotalMilliseconds:F1}");
        return Results.Bytes(output.ToArray(), "application/json");
    }

    private static void WriteRange(Utf8JsonWriter w, string name, TimeRange asked, MergedProfile profile)
    {
        var covered = QueryService.CoverageOf(profile, asked);
        w.WriteStartObject(name);
        w.WriteString("from", asked.From.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("to", asked.To.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("coveredFrom", covered.From.ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("coveredTo", covered.To.ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteBoolean("widened", covered.Widened);
        w.WriteEndObject();
    }
}
