namespace FleetProfiler.Abstractions.Fleet;

/// <summary>
/// The fleet directory (a single activation keyed <see cref="Key"/>): the services that have reported.
/// Services register once per service activation, so this grain sees little traffic.
/// </summary>
public interface IFleetGrain : IGrainWithStringKey
{
    /// <summary>The key of the one fleet directory.</summary>
    const string Key = "fleet";

    /// <summary>Adds a service (idempotent); false when the fleet already has its most services (FleetProfiler:Profiles:MaxServices).</summary>
    Task<bool> AddServiceAsync(string service);

    /// <summary>The services that have reported, sorted.</summary>
    Task<IReadOnlyList<string>> GetServicesAsync();
}
