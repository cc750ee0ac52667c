using FleetProfiler.Abstractions.Fleet;
using FleetProfiler.Abstractions.Services;

namespace FleetProfiler.Grains.Services;

public sealed class ServiceGrain(
    [PersistentState("service", StorageNames.Fleet)] IPersistentState<ServiceState> state,
    ILogger<ServiceGrain> logger) : Grain, IServiceGrain
{
    /// <summary>Bound on the host list: beyond it new hosts are refused with a log line, never silently.</summary>
    internal const int MaxHosts = 20_000;

    public async Task AddHostAsync(string host)
    {
        var hosts = state.State.Hosts;
        if (hosts.Contains(host)) return;
        if (hosts.Count >= MaxHosts)
        {
            logger.LogWarning("Service {Service} already has {Max} hosts; host {Host} is not listed", this.GetPrimaryKeyString(), MaxHosts, host);
            return;
        }
        var isFirst = hosts.Count == 0;
        hosts.Add(host);
        await state.WriteStateAsync();
        if (isFirst)
            await GrainFactory.GetGrain<IFleetGrain>(IFleetGrain.Key).AddServiceAsync(this.GetPrimaryKeyString());
    }

    public Task<IReadOnlyList<string>> GetHostsAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Hosts]);
}

/// <summary>Persisted service state. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class ServiceState
{
    [Id(0)] public SortedSet<string> Hosts { get; set; } = new(StringComparer.Ordinal);
}
