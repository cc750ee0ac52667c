using FleetProfiler.Abstractions.Fleet;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Grains.Profiles;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Services;

public sealed class ServiceGrain(
    [PersistentState("service", StorageNames.Fleet)] IPersistentState<ServiceState> state,
    TimeProvider clock,
    ProfileStoreOptions profiles,
    ILogger<ServiceGrain> logger) : Grain, IServiceGrain, IRemindable
{
    // Live view: the last LiveMinutes compacted minutes, each capped at MinuteNodes; in memory only (the
    // buckets in the profile store are the durable copy), so memory is bounded by LiveMinutes x MinuteNodes.
    private readonly SortedDictionary<DateTimeOffset, CallTree> _liveMinutes = [];

    internal const string ScheduleReminder = "profiling-schedule";

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

    public async Task ScheduleAsync(ProfilingSchedule schedule)
    {
        if (schedule.Period <= TimeSpan.Zero)
            throw new ArgumentException("The schedule period must be positive.", nameof(schedule));
        await this.RegisterOrUpdateReminder(ScheduleReminder, schedule.FirstDue, schedule.Period);
        if (state.State.Schedule == schedule) return;
        state.State.Schedule = schedule;
        await state.WriteStateAsync();
    }

    public Task AddLiveMinuteAsync(DateTimeOffset minute, byte[] tree)
    {
        var delta = CallTreeCodec.Deserialize(tree);
        var newest = _liveMinutes.Count == 0 ? minute : (minute > _liveMinutes.Keys.Last() ? minute : _liveMinutes.Keys.Last());
        var oldestKept = newest - TimeSpan.FromMinutes(profiles.LiveMinutes - 1);
        if (minute < oldestKept) return Task.CompletedTask; // a late minute already outside the view
        if (_liveMinutes.TryGetValue(minute, out var existing)) existing.MergeFrom(delta);
        else _liveMinutes[minute] = existing = delta;
        if (existing.NodeCount > profiles.MinuteNodes) existing.Prune(profiles.MinuteNodes);
        foreach (var old in _liveMinutes.Keys.Where(k => k < oldestKept).ToList()) _liveMinutes.Remove(old);
        return Task.CompletedTask;
    }

    public Task<LiveView> GetLiveViewAsync()
    {
        var merged = new CallTree();
        foreach (var minute in _liveMinutes.Values) merged.MergeFrom(minute);
        if (merged.NodeCount > profiles.LiveNodes) merged.Prune(profiles.LiveNodes);
        return Task.FromResult(new LiveView(CallTreeCodec.Serialize(merged),
            _liveMinutes.Count == 0 ? null : _liveMinutes.Keys.First(),
            _liveMinutes.Count == 0 ? null : _liveMinutes.Keys.Last() + TimeSpan.FromMinutes(1),
            merged.NodeCount, merged.Total.CpuSamples, merged.Total.AllocBytes));
    }

    public Task<ScheduleStatus> GetScheduleStatusAsync() =>
        Task.FromResult(new ScheduleStatus(state.State.Schedule, state.State.Ticks, state.State.LastTick));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ScheduleReminder) return;
        state.State.Ticks++;
        state.State.LastTick = clock.GetUtcNow();
        await state.WriteStateAsync();
    }
}

/// <summary>Persisted service state. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class ServiceState
{
    [Id(0)] public SortedSet<string> Hosts { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public ProfilingSchedule? Schedule { get; set; }
    [Id(2)] public long Ticks { get; set; }
    [Id(3)] public DateTimeOffset? LastTick { get; set; }
}
