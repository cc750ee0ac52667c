namespace FleetProfiler.Abstractions.Endpoints;

/// <summary>
/// Names of endpoints as samples and grains carry them: <c>"METHOD route-template"</c> (<c>"GET /items/{id}"</c>), the
/// value of the sample label <see cref="LabelKey"/>; plus the rows that are not endpoints of their own.
/// </summary>
public static class EndpointNames
{
    /// <summary>The sample label key whose value names the endpoint a sample ran for.</summary>
    public const string LabelKey = "endpoint";

    /// <summary>Samples an agent attributed, taken outside any request: a row of its own, never spread over endpoints.</summary>
    public const string NotInRequest = "[not in a request]";

    /// <summary>
    /// Samples that carry no endpoint label at all (an agent that did not attribute its window: not an ASP.NET Core
    /// process, attribution off, or an older agent): a row of its own, so that endpoint shares never silently exclude them.
    /// </summary>
    public const string NotAttributed = "[not attributed]";

    /// <summary>Longest endpoint name accepted (longer labels are rejected by the gateway).</summary>
    public const int MaxLength = 1024;

    /// <summary>The endpoint name of a method and route template; the route alone when the method is empty (<c>[other routes]</c>).</summary>
    public static string Of(string method, string route)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(route);
        return method.Length == 0 ? route : method + " " + route;
    }

    /// <summary>
    /// Splits an endpoint name at its first space into method and route; a name without a space (a bracketed row such
    /// as <see cref="NotInRequest"/>) has method "" and is its own route.
    /// </summary>
    public static (string Method, string Route) Split(string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        if (endpoint.StartsWith('[')) return ("", endpoint);
        var space = endpoint.IndexOf(' ');
        return space <= 0 ? ("", endpoint) : (endpoint[..space], endpoint[(space + 1)..]);
    }

    /// <summary>
    /// Null when <paramref name="endpoint"/> is an acceptable endpoint name, else why not: empty, longer than
    /// <see cref="MaxLength"/>, surrounded by white space, or holding a control character (line breaks would forge
    /// folded-format lines).
    /// </summary>
    public static string? Check(string endpoint)
    {
        if (string.IsNullOrWhiteSpace(endpoint)) return "is empty";
        if (endpoint.Length > MaxLength) return $"is longer than {MaxLength} characters";
        if (endpoint.Trim().Length != endpoint.Length) return "has leading or trailing white space";
        foreach (var c in endpoint)
            if (char.IsControl(c)) return "holds a control character";
        return null;
    }
}

/// <summary>
/// The key of an <see cref="IEndpointGrain"/>: <c>service/endpoint</c>, e.g. <c>orders/GET /items/{id}</c>. Service
/// names may not contain '/'; the endpoint is taken whole after the first '/'.
/// </summary>
public static class EndpointKey
{
    /// <summary>Builds the grain key of an endpoint of a service.</summary>
    /// <exception cref="ArgumentException">The service is empty or contains '/', or the endpoint name is not acceptable (<see cref="EndpointNames.Check"/>).</exception>
    public static string Of(string service, string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (service.Contains('/'))
            throw new ArgumentException($"A service name may not contain '/': '{service}'.", nameof(service));
        if (EndpointNames.Check(endpoint) is { } why)
            throw new ArgumentException($"The endpoint name {why}.", nameof(endpoint));
        return service + "/" + endpoint;
    }

    /// <summary>Splits an endpoint grain key into its service and endpoint name.</summary>
    public static (string Service, string Endpoint) Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1)
            throw new ArgumentException($"An endpoint key is 'service/METHOD route', got '{key}'.", nameof(key));
        return (key[..slash], key[(slash + 1)..]);
    }
}
