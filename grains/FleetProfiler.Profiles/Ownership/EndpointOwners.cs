namespace FleetProfiler.Profiles.Ownership;

/// <summary>How an endpoint's owner was decided.</summary>
public enum OwnerSource
{
    /// <summary>No owner: no CODEOWNERS file, no handler file seen, or no rule gives the file an owner.</summary>
    Unowned = 0,

    /// <summary>The CODEOWNERS owner of the endpoint's handler file.</summary>
    CodeOwners = 1,

    /// <summary>An explicit endpoint → team entry, which wins over CODEOWNERS.</summary>
    Explicit = 2,
}

/// <summary>An endpoint's team, how it was decided and why (for people checking an attribution).</summary>
/// <param name="Endpoint">"METHOD route".</param>
/// <param name="Team">The team, or <see cref="CodeOwners.Unowned"/>.</param>
/// <param name="Source">How it was decided.</param>
/// <param name="HandlerFile">The handler's repository-relative file, when one was seen.</param>
/// <param name="Reason">One line: which entry, rule or absence decided.</param>
public sealed record EndpointOwner(string Endpoint, string Team, OwnerSource Source, string? HandlerFile, string Reason);

/// <summary>
/// An endpoint's owner: an explicit entry for it if there is one; else the first owner CODEOWNERS gives its handler
/// file (last matching rule wins); else <see cref="CodeOwners.Unowned"/>. Pseudo rows (<c>[not in a request]</c>,
/// <c>[other routes]</c>, <c>[no data]</c>) are unowned unless given an explicit entry.
/// </summary>
public static class EndpointOwners
{
    /// <summary>Explicit endpoint → team entries a service keeps.</summary>
    public const int MaxExplicit = 10_000;

    /// <summary>Decides one endpoint's owner.</summary>
    public static EndpointOwner Resolve(string endpoint, string? handlerFile, CodeOwners? codeOwners, IReadOnlyDictionary<string, string> explicitOwners)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(explicitOwners);
        if (explicitOwners.TryGetValue(endpoint, out var team))
            return new EndpointOwner(endpoint, team, OwnerSource.Explicit, handlerFile, "explicit endpoint owner");
        if (handlerFile is null)
            return new EndpointOwner(endpoint, CodeOwners.Unowned, OwnerSource.Unowned, null, "no handler file seen (no samples of the endpoint in the service's own code)");
        if (codeOwners is null)
            return new EndpointOwner(endpoint, CodeOwners.Unowned, OwnerSource.Unowned, handlerFile, "the service has no CODEOWNERS file");
        var rule = codeOwners.RuleFor(handlerFile);
        return rule is { Owners: [var first, ..] }
            ? new EndpointOwner(endpoint, first, OwnerSource.CodeOwners, handlerFile, $"CODEOWNERS line {rule.Line} ({rule.Pattern})")
            : new EndpointOwner(endpoint, CodeOwners.Unowned, OwnerSource.Unowned, handlerFile,
                rule is null ? $"no CODEOWNERS rule matches {handlerFile}" : $"CODEOWNERS line {rule.Line} ({rule.Pattern}) names no owner");
    }

    /// <summary>
    /// Checks explicit entries: endpoint names "METHOD route" (or a pseudo row), teams as CODEOWNERS writes owners;
    /// at most <see cref="MaxExplicit"/>. Throws <see cref="ProfileDataException"/> naming the first bad entry.
    /// </summary>
    public static void Validate(IReadOnlyDictionary<string, string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count > MaxExplicit) throw new ProfileDataException($"owners: {entries.Count} entries; at most {MaxExplicit} per service");
        foreach (var (endpoint, team) in entries)
        {
            if (string.IsNullOrWhiteSpace(endpoint) || endpoint.Length > 1024 || endpoint != endpoint.Trim())
                throw new ProfileDataException($"endpoint: '{endpoint}' is not an endpoint written \"METHOD route\" (e.g. \"GET /orders/{{id}}\")");
            if (!CodeOwners.IsOwner(team))
                throw new ProfileDataException($"team: '{team}' (for '{endpoint}') is not @user, @org/team or an e-mail address");
        }
    }
}
