using FleetProfiler.Abstractions.Fleet;

namespace FleetProfiler.Grains.Fleet;

public sealed class FleetGrain(
    [PersistentState("fleet", StorageNames.Fleet)] IPersistentState<FleetState> state,
    Profiles.ProfileStoreOptions options,
    ILogger<FleetGrain> logger) : Grain, IFleetGrain
{
    public async Task<bool> AddServiceAsync(string service)
    {
        var services = state.State.Services;
        if (services.Contains(service)) return true;
        if (services.Count >= options.MaxServices)
        {
            logger.LogWarning("The fleet already has {Max} services ({Section}:MaxServices); service {Service} is refused", options.MaxServices, Profiles.ProfileStoreOptions.Section, service);
            return false;
        }
        services.Add(service);
        await state.WriteStateAsync();
        return true;
    }

    public Task<IReadOnlyList<string>> GetServicesAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Services]);
}

/// <summary>Persisted fleet directory. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class FleetState
{
    [Id(0)] public SortedSet<string> Services { get; set; } = new(StringComparer.Ordinal);
}
