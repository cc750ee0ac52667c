using FleetProfiler.Abstractions.Coverage;
using FleetProfiler.Gateway.Query;
using FleetProfiler.Profiles.Coverage;

namespace FleetProfiler.Gateway.DeadCode;

/// <summary>
/// A file over a range of days: the file-days that exist, merged. Production lines merge as one intersection over
/// every run of every day (<see cref="MissedLines.Merge"/>); each rig's lines as a union of what it ran.
/// </summary>
public sealed class FileDays
{
    private FileDays(string path, IReadOnlyList<SourceFileDay> days)
    {
        Path = path;
        Days = days;
        Lines = days.Aggregate(MissedLines.None, (m, d) => m.Merge(new MissedLines(LineSet.FromStored(d.Executable), LineSet.FromStored(d.Executed), LineSet.FromStored(d.Probable))));
        Rigs = days.SelectMany(d => d.Rigs).GroupBy(r => r.Source, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Executable: g.Aggregate(LineSet.Empty, (s, r) => s.Union(LineSet.FromStored(r.Executable))),
                                            Executed: g.Aggregate(LineSet.Empty, (s, r) => s.Union(LineSet.FromStored(r.Executed)))), StringComparer.Ordinal);
    }

    public string Path { get; }

    /// <summary>The file-days found, oldest first.</summary>
    public IReadOnlyList<SourceFileDay> Days { get; }

    public MissedLines Lines { get; }

    public IReadOnlyDictionary<string, (LineSet Executable, LineSet Executed)> Rigs { get; }

    public IEnumerable<SourceFileDay> ProductionDays => Days.Where(d => d.Summary.Runs > 0);

    public IReadOnlyList<string> Services => [.. Days.SelectMany(d => d.Summary.Services).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Lines some rig ran that production had and never ran.</summary>
    public LineSet RunByRigOnly => Rigs.Values.Aggregate(LineSet.Empty, (s, r) => s.Union(r.Executed)).Intersect(Lines.Dead);

    /// <summary>Lines production ran that no rig ran (0 when no rig covered the file).</summary>
    public LineSet RunInProductionOnly => Rigs.Count == 0 ? LineSet.Empty : Lines.Executed.Except(Rigs.Values.Aggregate(LineSet.Empty, (s, r) => s.Union(r.Executed)));

    /// <summary>Loads the file-days of <paramref name="path"/> on <paramref name="days"/> (absent days are skipped).</summary>
    public static async Task<FileDays> LoadAsync(IGrainFactory grains, string path, IEnumerable<DateOnly> days)
    {
        var found = await Task.WhenAll(days.Select(d => grains.GetGrain<ISourceFileGrain>(SourceFileKey.Of(d, path)).GetAsync()));
        return Of(path, [.. found.OfType<SourceFileDay>()]);
    }

    /// <summary>The merge of file-days already read.</summary>
    public static FileDays Of(string path, IEnumerable<SourceFileDay> days) => new(path, [.. days.OrderBy(d => d.Day)]);

    /// <summary>Checks a repository-relative path from a request.</summary>
    public static string CheckPath(string path, string field = "path")
    {
        var why = Ingest.CoverageValidator.PathProblem(path, new Ingest.BatchLimits());
        return why is null ? path : throw QueryArguments.Invalid($"{field} {why}");
    }
}
