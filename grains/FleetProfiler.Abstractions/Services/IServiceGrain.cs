namespace FleetProfiler.Abstractions.Services;

/// <summary>
/// One service (keyed by its name): the list of its hosts (bounded; see the grain).
/// </summary>
public interface IServiceGrain : IGrainWithStringKey
{
    /// <summary>Adds a host to the service's host list (idempotent).</summary>
    Task AddHostAsync(string host);

    /// <summary>The names of the service's hosts, sorted.</summary>
    Task<IReadOnlyList<string>> GetHostsAsync();
}
