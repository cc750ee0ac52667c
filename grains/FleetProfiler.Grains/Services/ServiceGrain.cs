using FleetProfiler.Abstractions.Fleet;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Cost;

namespace FleetProfiler.Grains.Services;

public sealed class ServiceGrain(
    [PersistentState("service", StorageNames.Fleet)] IPersistentState<ServiceState> state,
    TimeProvider clock,
    ILogger<ServiceGrain> logger) : Grain, IServiceGrain
{
    /// <summary>Months of cost a service keeps (twenty years); beyond it a new month is refused, never dropped silently.</summary>
    internal const int MaxMonths = 240;
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

    public async Task<MonthlyCostEntry> SetMonthlyCostAsync(string month, double usd, double instanceHours)
    {
        MonthlyCost cost;
        try { cost = MonthlyCost.Create(CostMonth.Parse(month), usd, instanceHours); }
        catch (ProfileDataException e) { throw new ArgumentException(e.Message); }
        var key = cost.Month.ToString();
        var costs = state.State.Costs;
        if (!costs.ContainsKey(key) && costs.Count >= MaxMonths)
            throw new ArgumentException($"month: the service already has {MaxMonths} months of cost; remove old ones first");
        var entry = new MonthlyCostEntry(key, cost.Usd, cost.InstanceHours);
        if (costs.TryGetValue(key, out var old) && old == entry) return entry;
        costs[key] = entry;
        await state.WriteStateAsync();
        return entry;
    }

    public Task<IReadOnlyList<MonthlyCostEntry>> GetMonthlyCostsAsync() =>
        Task.FromResult<IReadOnlyList<MonthlyCostEntry>>([.. state.State.Costs.Values]);

    public async Task<CodeOwnersFile> SetCodeOwnersAsync(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var file = new CodeOwnersFile(content, clock.GetUtcNow());
        state.State.CodeOwners = file;
        await state.WriteStateAsync();
        return file;
    }

    public Task<CodeOwnersFile?> GetCodeOwnersAsync() => Task.FromResult(state.State.CodeOwners);
}

/// <summary>Persisted service state. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class ServiceState
{
    [Id(0)] public SortedSet<string> Hosts { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Cost per month, keyed YYYY-MM (sorts by time).</summary>
    [Id(4)] public SortedDictionary<string, MonthlyCostEntry> Costs { get; set; } = new(StringComparer.Ordinal);
    [Id(5)] public CodeOwnersFile? CodeOwners { get; set; }
}
