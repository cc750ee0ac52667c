namespace FleetProfiler.Abstractions.Coverage;

/// <summary>
/// One repository-relative source file on one UTC day, keyed <c>YYYY-MM-DD/path</c> (see <see cref="SourceFileKey"/>):
/// the intersection of missed lines over every production run of every service that loads the file that day, the
/// runs, hosts and services behind it, the methods that never ran in any of them, and apart from production the lines
/// of each test rig (Cobertura imports). Bounded: at most <see cref="SourceFileLimits.MaxRuns"/> runs are listed and
/// <see cref="SourceFileLimits.MaxDeadMethods"/> dead methods kept (docs/dead-code.md, "Bounds").
/// </summary>
public interface ISourceFileGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds one run's lines (durably before it returns). Returns the file-day's summary and whether the run was new
    /// (false for a run id already applied: nothing changed). Throws <see cref="ArgumentException"/> for lines that
    /// are not well-formed packed ranges.
    /// </summary>
    Task<SourceFileRunResult> AddRunAsync(CoverageFileRun run);

    /// <summary>The file-day, or null when no run covered the file that day.</summary>
    Task<SourceFileDay?> GetAsync();

    /// <summary>Forgets the file-day (retention).</summary>
    Task ClearAsync();
}

/// <summary>What <see cref="ISourceFileGrain.AddRunAsync"/> did.</summary>
[GenerateSerializer, Immutable]
public sealed record SourceFileRunResult(
    [property: Id(0)] bool Added,
    [property: Id(1)] SourceFileSummary Summary);

/// <summary>A file-day in numbers, as the day's index lists it.</summary>
/// <param name="Path">Repository-relative path.</param>
/// <param name="Services">Services whose production runs covered the file, sorted.</param>
/// <param name="Hosts">Distinct hosts of those runs.</param>
/// <param name="Runs">Production runs applied.</param>
/// <param name="CanaryRuns">Of which canary runs.</param>
/// <param name="ExecutableLines">Lines any production run had as executable.</param>
/// <param name="DeadCertainLines">Missed in every production run, certain.</param>
/// <param name="DeadProbableLines">Missed in every production run, at least one only probably.</param>
/// <param name="RigSources">Test rigs that covered the file, sorted.</param>
[GenerateSerializer, Immutable]
public sealed record SourceFileSummary(
    [property: Id(0)] string Path,
    [property: Id(1)] IReadOnlyList<string> Services,
    [property: Id(2)] int Hosts,
    [property: Id(3)] int Runs,
    [property: Id(4)] int CanaryRuns,
    [property: Id(5)] int ExecutableLines,
    [property: Id(6)] int DeadCertainLines,
    [property: Id(7)] int DeadProbableLines,
    [property: Id(8)] IReadOnlyList<string> RigSources);

/// <summary>The whole file-day: packed line sets of production (see <c>MissedLines</c>) and of each rig, runs and dead methods.</summary>
[GenerateSerializer, Immutable]
public sealed record SourceFileDay(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] string Path,
    [property: Id(2)] int[] Executable,
    [property: Id(3)] int[] Executed,
    [property: Id(4)] int[] Probable,
    [property: Id(5)] IReadOnlyList<CoverageRunInfo> Runs,
    [property: Id(6)] int RunsNotListed,
    [property: Id(7)] IReadOnlyList<RigLines> Rigs,
    [property: Id(8)] IReadOnlyList<DeadMethod> DeadMethods,
    [property: Id(9)] bool MethodsKnown,
    [property: Id(10)] SourceFileSummary Summary);

/// <summary>A test rig's lines of the file that day: executable and run (every Cobertura miss is certain).</summary>
[GenerateSerializer, Immutable]
public sealed record RigLines(
    [property: Id(0)] string Source,
    [property: Id(1)] int[] Executable,
    [property: Id(2)] int[] Executed);

/// <summary>Bounds of a file-day.</summary>
public static class SourceFileLimits
{
    /// <summary>Runs listed per file-day; later runs still narrow the intersection and are counted, not listed.</summary>
    public const int MaxRuns = 1000;

    /// <summary>Dead methods kept per file-day (the first run's, narrowed by later runs); beyond it the rest are not tracked.</summary>
    public const int MaxDeadMethods = 2000;

    /// <summary>Test rigs kept per file-day.</summary>
    public const int MaxRigs = 16;
}

/// <summary>Keys of <see cref="ISourceFileGrain"/>: <c>YYYY-MM-DD/repository-relative-path</c>.</summary>
public static class SourceFileKey
{
    /// <summary>The key of a file-day.</summary>
    public static string Of(DateOnly day, string path) => $"{DayKey.Of(day)}/{path}";

    /// <summary>The day and path of a key; <see cref="ArgumentException"/> for anything else.</summary>
    public static (DateOnly Day, string Path) Parse(string key) =>
        key.Length > 11 && key[10] == '/' && DayKey.TryParse(key[..10], out var day)
            ? (day, key[11..])
            : throw new ArgumentException($"'{key}' is not a source-file key (YYYY-MM-DD/path)", nameof(key));
}

/// <summary>UTC days as keys and query arguments: <c>YYYY-MM-DD</c>.</summary>
public static class DayKey
{
    /// <summary>YYYY-MM-DD.</summary>
    public static string Of(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The UTC day an instant falls in.</summary>
    public static DateOnly UtcDayOf(DateTimeOffset t) => DateOnly.FromDateTime(t.UtcDateTime);

    /// <summary>Reads YYYY-MM-DD exactly.</summary>
    public static bool TryParse(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out day);
}
