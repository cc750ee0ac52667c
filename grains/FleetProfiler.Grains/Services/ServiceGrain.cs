using FleetProfiler.Abstractions.Cost;
using FleetProfiler.Abstractions.Fleet;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Cost;
using FleetProfiler.Profiles.Ownership;

namespace FleetProfiler.Grains.Services;

public sealed class ServiceGrain(
    [PersistentState("service", StorageNames.Fleet)] IPersistentState<ServiceState> state,
    TimeProvider clock,
    Profiles.ProfileStoreOptions options,
    ILogger<ServiceGrain> logger) : Grain, IServiceGrain
{
    /// <summary>Months of cost a service keeps (twenty years); beyond it a new month is refused, never dropped silently.</summary>
    internal const int MaxMonths = 240;
    /// <summary>Endpoints whose handler file is remembered; the ones seen longest ago are forgotten first.</summary>
    internal const int MaxHandlerFiles = 10_000;
    /// <summary>Teams of a CODEOWNERS file told about the service (a file naming more is unusual; the rest learn on a cost report).</summary>
    internal const int MaxTeamsAnnounced = 1_000;

    // Bound on the host list (ProfileStoreOptions.MaxHostsPerService): beyond it new hosts are refused with a reason, never silently.
    public async Task<string?> AddHostAsync(string host)
    {
        var hosts = state.State.Hosts;
        var service = this.GetPrimaryKeyString();
        if (hosts.Contains(host)) return null;
        if (hosts.Count >= options.MaxHostsPerService)
        {
            logger.LogWarning("Service {Service} already has {Max} hosts; host {Host} is refused", service, options.MaxHostsPerService, host);
            return $"service '{service}' already has {options.MaxHostsPerService} hosts ({Profiles.ProfileStoreOptions.Section}:MaxHostsPerService); host '{host}' is refused";
        }
        // The first host brings the service into the fleet directory, which is bounded too.
        if (hosts.Count == 0 && !await GrainFactory.GetGrain<IFleetGrain>(IFleetGrain.Key).AddServiceAsync(service))
            return $"the fleet already has its most services ({Profiles.ProfileStoreOptions.Section}:MaxServices = {options.MaxServices}); service '{service}' is refused";
        hosts.Add(host);
        await state.WriteStateAsync();
        return null;
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
        CodeOwners parsed;
        try { parsed = CodeOwners.Parse(content); }
        catch (ProfileDataException e) { throw new ArgumentException(e.Message); }
        var file = new CodeOwnersFile(content, clock.GetUtcNow());
        state.State.CodeOwners = file;
        await state.WriteStateAsync();
        await AnnounceAsync(parsed.Rules.SelectMany(r => r.Owners).Distinct(StringComparer.Ordinal).Take(MaxTeamsAnnounced));
        return file;
    }

    public Task<CodeOwnersFile?> GetCodeOwnersAsync() => Task.FromResult(state.State.CodeOwners);

    public async Task<IReadOnlyDictionary<string, string>> SetEndpointOwnersAsync(IReadOnlyDictionary<string, string> set, IReadOnlyList<string> remove)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(remove);
        var next = new SortedDictionary<string, string>(state.State.EndpointOwners, StringComparer.Ordinal);
        foreach (var endpoint in remove) next.Remove(endpoint);
        foreach (var (endpoint, team) in set) next[endpoint] = team;
        try { EndpointOwners.Validate(next); }
        catch (ProfileDataException e) { throw new ArgumentException(e.Message); }
        foreach (var endpoint in remove.Where(e => !state.State.EndpointOwners.ContainsKey(e) && !set.ContainsKey(e)))
            throw new ArgumentException($"remove: '{endpoint}' has no explicit owner");
        state.State.EndpointOwners = next;
        await state.WriteStateAsync();
        await AnnounceAsync(set.Values.Distinct(StringComparer.Ordinal));
        return next;
    }

    public Task<IReadOnlyDictionary<string, string>> GetEndpointOwnersAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>(state.State.EndpointOwners, StringComparer.Ordinal));

    public async Task RememberHandlerFilesAsync(IReadOnlyDictionary<string, string> handlerFiles)
    {
        ArgumentNullException.ThrowIfNull(handlerFiles);
        var known = state.State.HandlerFiles;
        var now = clock.GetUtcNow();
        var changed = false;
        foreach (var (endpoint, file) in handlerFiles)
        {
            // A day's resolution is enough to decide what to forget; it saves a write per report.
            if (known.TryGetValue(endpoint, out var seen) && seen.File == file && now - seen.LastSeen < TimeSpan.FromDays(1)) continue;
            known[endpoint] = new HandlerFileSeen(file, now);
            changed = true;
        }
        if (known.Count > MaxHandlerFiles)
        {
            foreach (var stale in known.OrderBy(kv => kv.Value.LastSeen).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(known.Count - MaxHandlerFiles).Select(kv => kv.Key).ToList())
                known.Remove(stale);
        }
        if (changed) await state.WriteStateAsync();
    }

    public Task<IReadOnlyDictionary<string, string>> GetHandlerFilesAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(state.State.HandlerFiles.ToDictionary(kv => kv.Key, kv => kv.Value.File, StringComparer.Ordinal));

    private Task AnnounceAsync(IEnumerable<string> teams) =>
        Task.WhenAll(teams.Select(t => GrainFactory.GetGrain<ITeamGrain>(t).AddServiceAsync(this.GetPrimaryKeyString())));
}

/// <summary>Persisted service state. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class ServiceState
{
    [Id(0)] public SortedSet<string> Hosts { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Cost per month, keyed YYYY-MM (sorts by time).</summary>
    [Id(4)] public SortedDictionary<string, MonthlyCostEntry> Costs { get; set; } = new(StringComparer.Ordinal);
    [Id(5)] public CodeOwnersFile? CodeOwners { get; set; }
    /// <summary>Explicit endpoint → team entries.</summary>
    [Id(6)] public SortedDictionary<string, string> EndpointOwners { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The handler file last seen per endpoint.</summary>
    [Id(7)] public Dictionary<string, HandlerFileSeen> HandlerFiles { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>An endpoint's handler file and when a cost report last saw it.</summary>
[GenerateSerializer]
public sealed record HandlerFileSeen([property: Id(0)] string File, [property: Id(1)] DateTimeOffset LastSeen);
