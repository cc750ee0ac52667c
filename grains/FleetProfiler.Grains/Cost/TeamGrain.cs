using FleetProfiler.Abstractions.Cost;
using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Grains.Cost;

/// <summary>
/// A team: the services it is named in (by a CODEOWNERS file, an explicit endpoint owner or a cost report), bounded
/// by <see cref="ITeamGrain.MaxServices"/>. Its costs are computed when asked, from each service's current report,
/// so ownership changes show at once; a service that no longer assigns the team anything simply adds nothing.
/// </summary>
public sealed class TeamGrain(
    [PersistentState("team", StorageNames.Fleet)] IPersistentState<TeamState> state,
    ILogger<TeamGrain> logger) : Grain, ITeamGrain
{
    /// <summary>Service reports computed at once for one team report.</summary>
    private const int Parallelism = 8;

    public async Task AddServiceAsync(string service)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        var services = state.State.Services;
        if (services.Contains(service)) return;
        if (services.Count >= ITeamGrain.MaxServices)
        {
            logger.LogWarning("Team {Team} is already named in {Max} services; service {Service} is not listed", this.GetPrimaryKeyString(), ITeamGrain.MaxServices, service);
            return;
        }
        services.Add(service);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> GetServicesAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Services]);

    public async Task<TeamCostReport> GetCostsAsync(TimeRange range, CostBasis basis, int top)
    {
        ArgumentNullException.ThrowIfNull(range);
        if (top is < 1 or > 1000) throw new ArgumentException("top: must be between 1 and 1000", nameof(top));
        if (!Enum.IsDefined(basis)) throw new ArgumentException($"basis: unknown basis {basis}", nameof(basis));
        var reports = new List<ServiceCostReport>();
        foreach (var chunk in state.State.Services.ToList().Chunk(Parallelism))
            reports.AddRange(await Task.WhenAll(chunk.Select(s => GrainFactory.GetGrain<IServiceCostGrain>(s).GetEndpointCostsAsync(range))));
        var whole = reports.Count > 0 ? reports[0].Range : range;
        return TeamRollup.Of(this.GetPrimaryKeyString(), whole, basis, top, reports);
    }
}

/// <summary>Persisted team state. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class TeamState
{
    [Id(0)] public SortedSet<string> Services { get; set; } = new(StringComparer.Ordinal);
}
