namespace FleetProfiler.Abstractions.Coverage;

/// <summary>
/// The index of one UTC day's covered files, keyed <c>YYYY-MM-DD</c>: one <see cref="SourceFileSummary"/> per file,
/// so that "dead code of a day" is one call and a range is one call per day. At most
/// <see cref="DeadCodeLimits.MaxFilesPerDay"/> files per day; files beyond it are refused by <see cref="AdmitAsync"/>, counted and logged,
/// never silently dropped. The first update of a day expires the day that fell out of the retention period.
/// </summary>
public interface IDeadCodeDayGrain : IGrainWithStringKey
{
    /// <summary>Of <paramref name="paths"/>, those the day indexes or has room for; the others are counted as refused.</summary>
    Task<IReadOnlyList<string>> AdmitAsync(IReadOnlyList<string> paths);

    /// <summary>Replaces the summaries of these files (within the cap) and counts the runs.</summary>
    Task UpdateAsync(IReadOnlyList<SourceFileSummary> files, int newRuns);

    /// <summary>The day's files and counters.</summary>
    Task<DeadCodeDay> GetAsync();

    /// <summary>Clears the day and every file-day it indexes (retention).</summary>
    Task ExpireAsync();
}

/// <summary>One day's index: its files, the runs applied that day, and files refused over <see cref="DeadCodeLimits.MaxFilesPerDay"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record DeadCodeDay(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] IReadOnlyList<SourceFileSummary> Files,
    [property: Id(2)] int Runs,
    [property: Id(3)] long FilesRefused);

/// <summary>Bounds of the dead-code data (docs/dead-code.md, "Bounds").</summary>
public static class DeadCodeLimits
{
    /// <summary>Files a day indexes at most.</summary>
    public const int MaxFilesPerDay = 20_000;

    /// <summary>Days a file-day is kept: the first run of a day clears the day this many days before it.</summary>
    public const int RetentionDays = 400;

    /// <summary>Longest range of days one query reads.</summary>
    public const int MaxQueryDays = 366;
}
