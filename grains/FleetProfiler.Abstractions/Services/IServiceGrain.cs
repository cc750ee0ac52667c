namespace FleetProfiler.Abstractions.Services;

/// <summary>
/// One service (keyed by its name): the list of its hosts and its profiling schedule.
/// </summary>
public interface IServiceGrain : IGrainWithStringKey
{
    /// <summary>Adds a host to the service's host list (idempotent).</summary>
    Task AddHostAsync(string host);

    /// <summary>The names of the service's hosts, sorted.</summary>
    Task<IReadOnlyList<string>> GetHostsAsync();

    /// <summary>
    /// Sets the service's profiling schedule: a durable reminder that ticks every <see cref="ProfilingSchedule.Period"/>.
    /// Re-applying the same schedule is a no-op.
    /// </summary>
    Task ScheduleAsync(ProfilingSchedule schedule);

    /// <summary>Adds a compacted minute of the service (an encoded call tree) to its live view.</summary>
    Task AddLiveMinuteAsync(DateTimeOffset minute, byte[] tree);

    /// <summary>The live view: the service's most recent minutes merged across its hosts (an encoded call tree).</summary>
    Task<LiveView> GetLiveViewAsync();

    /// <summary>The schedule in force and how often it has ticked.</summary>
    Task<ScheduleStatus> GetScheduleStatusAsync();
}

/// <summary>A service's recent minutes merged: the encoded tree, the minutes it covers and its node count.</summary>
[GenerateSerializer, Immutable]
public sealed record LiveView(
    [property: Id(0)] byte[] Tree,
    [property: Id(1)] DateTimeOffset? From,
    [property: Id(2)] DateTimeOffset? To,
    [property: Id(3)] int Nodes,
    [property: Id(4)] long CpuSamples,
    [property: Id(5)] long AllocBytes);

/// <summary>When a service's hosts are profiled.</summary>
[GenerateSerializer, Immutable]
public sealed record ProfilingSchedule(
    [property: Id(0)] TimeSpan FirstDue,
    [property: Id(1)] TimeSpan Period);

/// <summary>A service's schedule and its ticks so far.</summary>
[GenerateSerializer, Immutable]
public sealed record ScheduleStatus(
    [property: Id(0)] ProfilingSchedule? Schedule,
    [property: Id(1)] long Ticks,
    [property: Id(2)] DateTimeOffset? LastTick);
