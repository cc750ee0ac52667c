using System.Text.RegularExpressions;

namespace FleetProfiler.Agent.Attribution;

/// <summary>
/// The values of the sample label <see cref="Key"/>: <c>"METHOD route"</c> built from the request's method and the
/// routing middleware's endpoint name, never a raw path. The wire contract is in ingest.proto (message Attribution).
/// </summary>
public static partial class EndpointLabels
{
    public const string Key = "endpoint";
    public const string NotInRequest = "[not in a request]";
    public const string OtherRoutes = "[other routes]";
    public const string UnknownRoute = "[unknown route]";

    /// <summary>Samples after the activity timeline was cut at its cap: their request cannot be known (the grains' <c>EndpointNames.NotAttributed</c> row).</summary>
    public const string Unattributed = "[not attributed]";

    /// <summary>Longer endpoint names are cut (the batch limits cut strings anyway; this keeps labels distinct and short).</summary>
    public const int MaxRouteLength = 200;

    private const string MatchedPrefix = "Request matched endpoint '";
    private const string MinimalApiPrefix = "HTTP: ";
    private const string GrpcPrefix = "gRPC - ";

    /// <summary>The label of a request: its method and route, or <see cref="UnknownRoute"/>.</summary>
    public static string Of(string method, string? route) => $"{method} {route ?? UnknownRoute}";

    /// <summary>An HTTP method as sent, or <c>OTHER</c> for anything that is not a short token (a label must stay bounded).</summary>
    public static string Method(string? method) =>
        !string.IsNullOrEmpty(method) && method.Length <= 16 && method.All(char.IsAsciiLetter) ? method.ToUpperInvariant() : "OTHER";

    /// <summary>The endpoint name of the routing middleware's <c>MatchSuccess</c> message, else null.</summary>
    public static string? EndpointOfMatchMessage(string? message)
    {
        if (message is null || !message.StartsWith(MatchedPrefix, StringComparison.Ordinal) || !message.EndsWith('\''))
        {
            return null;
        }
        return message[MatchedPrefix.Length..^1];
    }

    /// <summary>
    /// The route of an endpoint's display name. Minimal APIs and other route endpoints: <c>"HTTP: GET, POST /items/{id}"</c>
    /// → <c>/items/{id}</c> (the request's own method goes in front of it). gRPC: <c>"gRPC - /pkg.Service/Method"</c> → the path.
    /// MVC and Razor Pages name the action (<c>"Shop.Controllers.ItemsController.Get (Shop)"</c>): kept, without the assembly.
    /// </summary>
    public static string RouteOf(string displayName)
    {
        var route = displayName.Trim();
        if (route.StartsWith(MinimalApiPrefix, StringComparison.Ordinal))
        {
            route = StripMethods(route[MinimalApiPrefix.Length..]);
        }
        else if (route.StartsWith(GrpcPrefix, StringComparison.Ordinal))
        {
            route = route[GrpcPrefix.Length..];
        }
        else if (route.EndsWith(')') && route.LastIndexOf(" (", StringComparison.Ordinal) is > 0 and var assembly)
        {
            route = route[..assembly];
        }
        if (route.Length == 0)
        {
            return "/";
        }
        return route.Length <= MaxRouteLength ? route : route[..(MaxRouteLength - 1)] + "…";
    }

    /// <summary><c>"GET, POST /x"</c> → <c>"/x"</c>; <c>"/x"</c> stays.</summary>
    private static string StripMethods(string text)
    {
        var match = MethodList().Match(text);
        return match.Success && match.Length < text.Length ? text[match.Length..] : text;
    }

    [GeneratedRegex("^[A-Z]+(, [A-Z]+)* ", RegexOptions.CultureInvariant)]
    private static partial Regex MethodList();

    /// <summary>
    /// The cap on distinct labels of a window: the <paramref name="max"/> routes with the most samples keep their label,
    /// the rest become <see cref="OtherRoutes"/>. <see cref="NotInRequest"/> and <see cref="Unattributed"/> never count
    /// against the cap. Ties break by label, so the same window always folds the same way.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Cap(IReadOnlyDictionary<string, long> samplesByLabel, int max)
    {
        var kept = samplesByLabel
            .Where(kv => kv.Key is not (NotInRequest or Unattributed))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(max)
            .Select(kv => kv.Key)
            .ToHashSet(StringComparer.Ordinal);
        return samplesByLabel.Keys.ToDictionary(
            label => label,
            label => label is NotInRequest or Unattributed || kept.Contains(label) ? label : OtherRoutes,
            StringComparer.Ordinal);
    }
}
