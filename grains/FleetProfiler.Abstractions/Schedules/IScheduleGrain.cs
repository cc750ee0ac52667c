namespace FleetProfiler.Abstractions.Schedules;

/// <summary>
/// The profiling schedules of one service (keyed by the service name): per kind, an Orleans reminder that every
/// period picks K connected hosts of the service at random and sends their agents a start command; and the
/// bounded history of those runs with what became of each command.
/// </summary>
public interface IScheduleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Sets (or replaces) the schedule of <see cref="ScheduleSpec.Kind"/>; the first run is one period later.
    /// Throws <see cref="ArgumentException"/> naming the field for an unknown kind, hosts or window seconds out of
    /// range, or a period outside the allowed range; nothing changes then.
    /// </summary>
    Task<ScheduleEntry> SetAsync(ScheduleSpec spec);

    /// <summary>The service's schedules, by kind.</summary>
    Task<IReadOnlyList<ScheduleEntry>> ListAsync();

    /// <summary>Removes the schedule of a kind (and its reminder); false when there was none. The history stays.</summary>
    Task<bool> RemoveAsync(string kind);

    /// <summary>Runs the schedule of a kind now, as its reminder would; throws <see cref="KeyNotFoundException"/> when there is none.</summary>
    Task<ScheduledRun> RunNowAsync(string kind);

    /// <summary>The most recent runs first, of one kind or (null) of all, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ScheduledRun>> GetHistoryAsync(string? kind, int limit);

    /// <summary>Records an agent's answer to a scheduled command (see <see cref="ScheduleCommandId"/>); unknown runs are ignored.</summary>
    Task RecordResultAsync(string runId, string host, bool accepted, string message);
}

/// <summary>The services that have schedules (one activation keyed <see cref="Key"/>), so schedules can be listed fleet-wide.</summary>
public interface IScheduleDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The key of the one directory.</summary>
    const string Key = "schedules";

    /// <summary>Adds a service (idempotent). Throws <see cref="ArgumentException"/> when the directory is full.</summary>
    Task AddAsync(string service);

    /// <summary>Removes a service (idempotent).</summary>
    Task RemoveAsync(string service);

    /// <summary>The services with at least one schedule, sorted.</summary>
    Task<IReadOnlyList<string>> GetServicesAsync();
}

/// <summary>What to run: a kind, how often, on how many hosts, for how long.</summary>
/// <param name="Kind">cpu, wall, alloc or coverage.</param>
/// <param name="Period">Time between runs (a day divided by the runs per day).</param>
/// <param name="Hosts">K: connected hosts chosen per run.</param>
/// <param name="WindowSeconds">Length of each host's window.</param>
[GenerateSerializer, Immutable]
public sealed record ScheduleSpec(
    [property: Id(0)] string Kind,
    [property: Id(1)] TimeSpan Period,
    [property: Id(2)] int Hosts,
    [property: Id(3)] int WindowSeconds);

/// <summary>A schedule in force.</summary>
[GenerateSerializer, Immutable]
public sealed record ScheduleEntry(
    [property: Id(0)] string Service,
    [property: Id(1)] ScheduleSpec Spec,
    [property: Id(2)] DateTimeOffset UpdatedAt,
    [property: Id(3)] DateTimeOffset? LastRunAt,
    [property: Id(4)] long Runs);

/// <summary>What started a run.</summary>
public enum ScheduleTrigger
{
    /// <summary>The schedule's reminder.</summary>
    Reminder = 1,

    /// <summary>A person or program asked (RunNow).</summary>
    Manual = 2,
}

/// <summary>What became of a command sent to a host's agent (a scheduled run's host, or any command a host keeps).</summary>
public enum CommandOutcome
{
    /// <summary>Queued on the agent's stream; no answer yet (or the agent never answered).</summary>
    Sent = 1,

    /// <summary>The agent started the window.</summary>
    Accepted = 2,

    /// <summary>The agent refused (message says why: unknown kind, no process, already running).</summary>
    Refused = 3,

    /// <summary>No agent stream was attached when the command was sent (a scheduled run: chosen as connected, but gone).</summary>
    Offline = 4,

    /// <summary>A one-shot run (heap, coverage) the agent accepted is over and gave its batches (host commands only).</summary>
    Done = 5,

    /// <summary>A one-shot run the agent accepted is over without its result: why in the message (host commands only).</summary>
    Failed = 6,
}

/// <summary>One chosen host of a run.</summary>
[GenerateSerializer, Immutable]
public sealed record HostOutcome(
    [property: Id(0)] string Host,
    [property: Id(1)] CommandOutcome Outcome,
    [property: Id(2)] string Message);

/// <summary>
/// One run of a schedule: when, which kind, how many hosts the service has and how many were asked for, and the
/// hosts chosen with the outcome of each. <see cref="Note"/> says why fewer than asked were chosen.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScheduledRun(
    [property: Id(0)] string Id,
    [property: Id(1)] string Service,
    [property: Id(2)] string Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] ScheduleTrigger Trigger,
    [property: Id(5)] int Requested,
    [property: Id(6)] int KnownHosts,
    [property: Id(7)] int WindowSeconds,
    [property: Id(8)] IReadOnlyList<HostOutcome> Hosts,
    [property: Id(9)] string Note);

/// <summary>
/// The id of a scheduled command, <c>schedule/SERVICE/RUN</c>: the agent echoes it in its command result, and the
/// gateway routes that result to the service's <see cref="IScheduleGrain"/>. Service names contain no '/'.
/// </summary>
public static class ScheduleCommandId
{
    private const string Prefix = "schedule/";

    /// <summary>The command id of a run of a service's schedule.</summary>
    public static string Of(string service, string runId) => Prefix + service + "/" + runId;

    /// <summary>Splits a scheduled command id; false for any other command id.</summary>
    public static bool TryParse(string commandId, out string service, out string runId)
    {
        service = runId = "";
        if (!commandId.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var rest = commandId[Prefix.Length..];
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1) return false;
        (service, runId) = (rest[..slash], rest[(slash + 1)..]);
        return true;
    }
}
