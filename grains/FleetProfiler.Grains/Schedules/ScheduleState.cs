using FleetProfiler.Abstractions.Schedules;

namespace FleetProfiler.Grains.Schedules;

/// <summary>A service's schedules by kind. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class ScheduleState
{
    [Id(0)] public SortedDictionary<string, ScheduleRecord> Schedules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Runs so far over all kinds: numbers run ids and seeds the host order of each run.</summary>
    [Id(1)] public long NextRun { get; set; }
}

[GenerateSerializer]
public sealed class ScheduleRecord
{
    [Id(0)] public string Kind { get; set; } = "";
    [Id(1)] public TimeSpan Period { get; set; }
    [Id(2)] public int Hosts { get; set; }
    [Id(3)] public int WindowSeconds { get; set; }
    [Id(4)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(5)] public DateTimeOffset? LastRunAt { get; set; }
    [Id(6)] public long Runs { get; set; }
}

/// <summary>A service's recent runs, oldest first, at most ScheduleOptions.MaxHistory. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class ScheduleHistoryState
{
    [Id(0)] public List<RunRecord> Runs { get; set; } = [];
}

[GenerateSerializer]
public sealed class RunRecord
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Kind { get; set; } = "";
    [Id(2)] public DateTimeOffset At { get; set; }
    [Id(3)] public ScheduleTrigger Trigger { get; set; }
    [Id(4)] public int Requested { get; set; }
    [Id(5)] public int KnownHosts { get; set; }
    [Id(6)] public int WindowSeconds { get; set; }
    [Id(7)] public List<HostRecord> Hosts { get; set; } = [];
    [Id(8)] public string Note { get; set; } = "";
}

[GenerateSerializer]
public sealed class HostRecord
{
    [Id(0)] public string Host { get; set; } = "";
    [Id(1)] public CommandOutcome Outcome { get; set; }
    [Id(2)] public string Message { get; set; } = "";
}
