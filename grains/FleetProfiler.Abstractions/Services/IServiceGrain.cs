namespace FleetProfiler.Abstractions.Services;

/// <summary>
/// One service (keyed by its name): the list of its hosts (bounded; see the grain), its monthly
/// resource cost and its CODEOWNERS file: the inputs of endpoint cost and team roll-ups.
/// </summary>
public interface IServiceGrain : IGrainWithStringKey
{
    /// <summary>Adds a host to the service's host list (idempotent).</summary>
    Task AddHostAsync(string host);

    /// <summary>The names of the service's hosts, sorted.</summary>
    Task<IReadOnlyList<string>> GetHostsAsync();

    /// <summary>
    /// Sets (or replaces) the cost of one month. Throws <see cref="ArgumentException"/> for a month not written
    /// YYYY-MM, a negative, non-finite or absurd amount, or more months than the grain keeps; nothing changes then.
    /// </summary>
    Task<MonthlyCostEntry> SetMonthlyCostAsync(string month, double usd, double instanceHours);

    /// <summary>The monthly costs entered, oldest month first.</summary>
    Task<IReadOnlyList<MonthlyCostEntry>> GetMonthlyCostsAsync();

    /// <summary>Replaces the service's CODEOWNERS file (validated by the caller; stored as given).</summary>
    Task<CodeOwnersFile> SetCodeOwnersAsync(string content);

    /// <summary>The service's CODEOWNERS file, or null when none was set.</summary>
    Task<CodeOwnersFile?> GetCodeOwnersAsync();
}
