using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Profiles;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Gateway.Query;

/// <summary>Request checks shared by the query RPCs: each failure is INVALID_ARGUMENT naming the field.</summary>
public static class QueryArguments
{
    public static RpcException Invalid(string message) => new(new Grpc.Core.Status(StatusCode.InvalidArgument, message));

    public static RpcException NotFound(string message) => new(new Grpc.Core.Status(StatusCode.NotFound, message));

    public static ProfileKind Kind(string kind, string field = "kind") =>
        ProfileTypes.TryParse(kind, out var type) ? type.Kind
        : kind.Length == 0 ? throw Invalid($"{field}: required ({ProfileTypes.NameList})")
        : throw Invalid($"{field}: unknown kind '{kind}' ({ProfileTypes.NameList})");

    /// <summary>A checked selector: service, optional host, optional endpoint ("GET /items/{id}", or a bracketed row).</summary>
    public static (string Service, string? Host, string? Endpoint) Selector(Selector? selector, string field = "selector")
    {
        if (selector is null || string.IsNullOrWhiteSpace(selector.Service)) throw Invalid($"{field}.service: required");
        if (selector.Service.Contains('/')) throw Invalid($"{field}.service: may not contain '/'");
        if (selector.Endpoint.Length > 0 && EndpointNames.Check(selector.Endpoint) is { } why)
            throw Invalid($"{field}.endpoint: {why} (an endpoint is 'METHOD route', e.g. 'GET /items/{{id}}', as ListEndpoints names it)");
        return (selector.Service, string.IsNullOrEmpty(selector.Host) ? null : selector.Host, selector.Endpoint.Length == 0 ? null : selector.Endpoint);
    }

    /// <summary>The selector's service version, null when none is asked for (INVALID_ARGUMENT for an impossible one).</summary>
    public static string? Version(Selector? selector, string field = "selector")
    {
        var version = selector?.Version ?? "";
        if (version.Length == 0) return null;
        if (ServiceVersionNames.Check(version) is { } why) throw Invalid($"{field}.version: {why}");
        return version;
    }

    public static TimeRange Range(Timestamp? from, Timestamp? to, string fromField = "from", string toField = "to")
    {
        if (from is null) throw Invalid($"{fromField}: required");
        if (to is null) throw Invalid($"{toField}: required");
        var range = new TimeRange(from.ToDateTimeOffset(), to.ToDateTimeOffset());
        if (range.To == range.From) throw Invalid($"{toField}: the range is empty ({fromField} equals {toField})");
        if (!range.IsValid) throw Invalid($"{toField}: must be after {fromField} ({range.From:O} > {range.To:O})");
        return range;
    }

    public static int Limit(int limit)
    {
        if (limit < 0) throw Invalid("limit: must not be negative");
        return limit == 0 ? 20 : Math.Min(limit, 1000);
    }

    public static RankBy OrderBy(string orderBy) => orderBy switch
    {
        "" or "self" => RankBy.Self,
        "total" => RankBy.Total,
        _ => throw Invalid($"order_by: unknown order '{orderBy}' (self or total)"),
    };
}
