namespace FleetProfiler.Gateway.Web;

/// <summary>
/// The URLs of the web app's views. The query string holds the whole view state (what is selected, over which range),
/// so a copied link shows the receiver what the sender saw.
/// </summary>
public static class Links
{
    public const string Fleet = "/app";

    public static string Service(string service, string since) => Build("/app/service", ("service", service), ("since", since));

    public static string Top(string service, string kind, string by, string since, string endpoint = "") =>
        Build("/app/top", ("service", service), ("kind", kind), ("by", by), ("since", since), ("endpoint", endpoint));

    public static string Endpoints(string service, string since) => Build("/app/endpoints", ("service", service), ("since", since));

    public static string Endpoint(string service, string endpoint, string since) =>
        Build("/app/endpoint", ("service", service), ("endpoint", endpoint), ("since", since));

    public static string Team(string team, string since) => Build("/app/team", ("team", team), ("since", since));

    public static string DeadCode(string service, string team, string since) =>
        Build("/app/deadcode", ("service", service), ("team", team), ("since", since));

    public static string DeadCodeFile(string path, string since) => Build("/app/deadcode/file", ("path", path), ("since", since));

    /// <summary>The flamegraph explorer (issue 11), on the same selection and range.</summary>
    public static string Flame(string service, string kind, string since, string endpoint = "") =>
        Build("/app/flame", ("service", service), ("kind", kind), ("since", since), ("endpoint", endpoint));

    /// <summary>The leak finder (issue 13): growth of in-use bytes by allocation site; with no range, the page's default.</summary>
    public static string Growth(string service, string host = "", string by = "") =>
        Build("/app/growth", ("service", service), ("host", host), ("by", by));

    /// <summary>Heap snapshots by type (issue 13): every host's newest snapshot, or the one <paramref name="id"/> names.</summary>
    public static string Heap(string service, string id = "", string order = "") =>
        Build("/app/heap", ("service", service), ("id", id), ("order", order));

    private static string Build(string path, params (string Name, string Value)[] query)
    {
        var parts = query.Where(q => !string.IsNullOrEmpty(q.Value)).Select(q => q.Name + "=" + Uri.EscapeDataString(q.Value)).ToList();
        return parts.Count == 0 ? path : path + "?" + string.Join('&', parts);
    }
}
