using FleetProfiler.Abstractions.Schedules;

namespace FleetProfiler.Grains.Schedules;

public sealed class ScheduleDirectoryGrain(
    [PersistentState("schedules", StorageNames.Fleet)] IPersistentState<ScheduleDirectoryState> state) : Grain, IScheduleDirectoryGrain
{
    /// <summary>Services with schedules at most; beyond it a new service's first schedule is refused, never dropped silently.</summary>
    internal const int MaxServices = 10_000;

    public async Task AddAsync(string service)
    {
        var services = state.State.Services;
        if (services.Contains(service)) return;
        if (services.Count >= MaxServices)
            throw new ArgumentException($"service: {MaxServices} services already have schedules; remove some first");
        services.Add(service);
        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string service)
    {
        if (state.State.Services.Remove(service)) await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> GetServicesAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Services]);
}

/// <summary>Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class ScheduleDirectoryState
{
    [Id(0)] public SortedSet<string> Services { get; set; } = new(StringComparer.Ordinal);
}
