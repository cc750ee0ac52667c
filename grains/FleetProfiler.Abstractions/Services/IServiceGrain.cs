namespace FleetProfiler.Abstractions.Services;

/// <summary>
/// One service (keyed by its name): the list of its hosts (bounded; see the grain), its monthly
/// resource cost, its CODEOWNERS file and explicit endpoint owners: the inputs of endpoint cost and team roll-ups.
/// </summary>
public interface IServiceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds a host to the service's host list (idempotent). Returns null when the host is listed, else why it is not:
    /// the service has its most hosts, or the fleet its most services (FleetProfiler:Profiles:MaxHostsPerService, MaxServices).
    /// </summary>
    Task<string?> AddHostAsync(string host);

    /// <summary>The names of the service's hosts, sorted.</summary>
    Task<IReadOnlyList<string>> GetHostsAsync();

    /// <summary>
    /// Sets (or replaces) the cost of one month. Throws <see cref="ArgumentException"/> for a month not written
    /// YYYY-MM, a negative, non-finite or absurd amount, or more months than the grain keeps; nothing changes then.
    /// </summary>
    Task<MonthlyCostEntry> SetMonthlyCostAsync(string month, double usd, double instanceHours);

    /// <summary>The monthly costs entered, oldest month first.</summary>
    Task<IReadOnlyList<MonthlyCostEntry>> GetMonthlyCostsAsync();

    /// <summary>
    /// Replaces the service's CODEOWNERS file (validated by the caller; stored as given). The teams its rules name
    /// (the first 1,000) learn of the service.
    /// </summary>
    Task<CodeOwnersFile> SetCodeOwnersAsync(string content);

    /// <summary>The service's CODEOWNERS file, or null when none was set.</summary>
    Task<CodeOwnersFile?> GetCodeOwnersAsync();

    /// <summary>
    /// Sets explicit endpoint → team entries (they win over CODEOWNERS) and removes those named in
    /// <paramref name="remove"/>; returns every entry. Throws <see cref="ArgumentException"/> for an endpoint not
    /// written "METHOD route", a team not written as CODEOWNERS owners are (<c>@user</c>, <c>@org/team</c>, e-mail),
    /// or more than 10,000 entries; nothing changes then. The teams named learn of the service.
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> SetEndpointOwnersAsync(IReadOnlyDictionary<string, string> set, IReadOnlyList<string> remove);

    /// <summary>The explicit endpoint → team entries.</summary>
    Task<IReadOnlyDictionary<string, string>> GetEndpointOwnersAsync();

    /// <summary>
    /// Remembers the handler file last seen for endpoints (so that ownership holds for ranges without windows); at
    /// most 10,000 endpoints, the ones seen longest ago forgotten first.
    /// </summary>
    Task RememberHandlerFilesAsync(IReadOnlyDictionary<string, string> handlerFiles);

    /// <summary>The handler file last seen per endpoint.</summary>
    Task<IReadOnlyDictionary<string, string>> GetHandlerFilesAsync();
}
