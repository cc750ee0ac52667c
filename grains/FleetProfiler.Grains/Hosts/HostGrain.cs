using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Services;

namespace FleetProfiler.Grains.Hosts;

public sealed class HostGrain(
    [PersistentState("host", StorageNames.Fleet)] IPersistentState<HostState> state,
    TimeProvider clock) : Grain, IHostGrain
{
    public async Task<HostInfo> RegisterAgentAsync(AgentRegistration registration)
    {
        var (service, host) = HostKey.Parse(this.GetPrimaryKeyString());
        var s = state.State;
        var isNew = s.Registrations == 0;
        s.Service = service;
        s.Host = host;
        s.AgentId = registration.AgentId;
        s.AgentVersion = registration.AgentVersion;
        var now = clock.GetUtcNow();
        if (isNew) s.FirstSeen = now;
        s.LastSeen = now;
        s.Registrations++;
        await state.WriteStateAsync();
        if (isNew)
            await GrainFactory.GetGrain<IServiceGrain>(service).AddHostAsync(host);
        return ToInfo(s);
    }

    public Task<HostInfo?> GetInfoAsync() =>
        Task.FromResult(state.State.Registrations == 0 ? null : ToInfo(state.State));

    private static HostInfo ToInfo(HostState s) =>
        new(s.Service, s.Host, s.AgentId, s.AgentVersion, s.FirstSeen, s.LastSeen, s.Registrations);
}

/// <summary>Persisted host state. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class HostState
{
    [Id(0)] public string Service { get; set; } = "";
    [Id(1)] public string Host { get; set; } = "";
    [Id(2)] public string AgentId { get; set; } = "";
    [Id(3)] public string AgentVersion { get; set; } = "";
    [Id(4)] public DateTimeOffset FirstSeen { get; set; }
    [Id(5)] public DateTimeOffset LastSeen { get; set; }
    [Id(6)] public int Registrations { get; set; }
}
