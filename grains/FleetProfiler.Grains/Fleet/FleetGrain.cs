using FleetProfiler.Abstractions.Fleet;

namespace FleetProfiler.Grains.Fleet;

public sealed class FleetGrain(
    [PersistentState("fleet", StorageNames.Fleet)] IPersistentState<FleetState> state) : Grain, IFleetGrain
{
    public async Task AddServiceAsync(string service)
    {
        if (!state.State.Services.Add(service)) return;
        await state.WriteStateAsync();
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
