using FleetProfiler.Abstractions.Coverage;

namespace FleetProfiler.Grains.Coverage;

/// <summary>The index of one UTC day's file-days (see <see cref="IDeadCodeDayGrain"/>).</summary>
public sealed class DeadCodeDayGrain(
    [PersistentState("deadcodeday", StorageNames.Fleet)] IPersistentState<DeadCodeDayState> state,
    ILogger<DeadCodeDayGrain> logger) : Grain, IDeadCodeDayGrain
{
    public Task<IReadOnlyList<string>> AdmitAsync(IReadOnlyList<string> paths)
    {
        var files = state.State.Files;
        var room = DeadCodeLimits.MaxFilesPerDay - files.Count;
        var admitted = new List<string>(paths.Count);
        foreach (var path in paths)
        {
            if (files.ContainsKey(path))
            {
                admitted.Add(path);
            }
            else if (room > 0)
            {
                admitted.Add(path);
                room--;
            }
        }
        var refused = paths.Count - admitted.Count;
        if (refused > 0)
        {
            state.State.FilesRefused += refused;
            logger.LogWarning("Day {Day}: {Refused} file(s) refused, the day already indexes {Max} files (DeadCodeLimits.MaxFilesPerDay)",
                this.GetPrimaryKeyString(), refused, DeadCodeLimits.MaxFilesPerDay);
        }
        return Task.FromResult<IReadOnlyList<string>>(admitted);
    }

    public async Task UpdateAsync(IReadOnlyList<SourceFileSummary> files, int newRuns)
    {
        var s = state.State;
        var isNewDay = s.Files.Count == 0 && s.Runs == 0;
        foreach (var f in files)
        {
            if (!s.Files.ContainsKey(f.Path) && s.Files.Count >= DeadCodeLimits.MaxFilesPerDay)
            {
                s.FilesRefused++;
                continue;
            }
            s.Files[f.Path] = IndexedFile.Of(f);
        }
        s.Runs += newRuns;
        await state.WriteStateAsync();
        if (isNewDay && DayKey.TryParse(this.GetPrimaryKeyString(), out var day))
        {
            // Retention rides on the first write of each day: the day that just left the period goes.
            var expired = DayKey.Of(day.AddDays(-DeadCodeLimits.RetentionDays));
            try { await GrainFactory.GetGrain<IDeadCodeDayGrain>(expired).ExpireAsync(); }
            catch (Exception e) { logger.LogWarning("Expiring dead-code day {Day} failed: {Error}", expired, e.Message); }
        }
    }

    public Task<DeadCodeDay> GetAsync()
    {
        var s = state.State;
        var day = DayKey.TryParse(this.GetPrimaryKeyString(), out var d) ? d : default;
        return Task.FromResult(new DeadCodeDay(day, [.. s.Files.Values.Select(f => f.ToSummary())], s.Runs, s.FilesRefused));
    }

    public async Task ExpireAsync()
    {
        var s = state.State;
        if (s.Files.Count == 0 && s.Runs == 0) return;
        var day = DayKey.TryParse(this.GetPrimaryKeyString(), out var d) ? d : throw new InvalidOperationException("not a day key");
        foreach (var path in s.Files.Keys)
            await GrainFactory.GetGrain<ISourceFileGrain>(SourceFileKey.Of(day, path)).ClearAsync();
        await state.ClearStateAsync();
        logger.LogInformation("Dead-code day {Day} expired ({Files} files)", this.GetPrimaryKeyString(), s.Files.Count);
    }
}

/// <summary>Persisted day index. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class DeadCodeDayState
{
    [Id(0)] public SortedDictionary<string, IndexedFile> Files { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public int Runs { get; set; }
    [Id(2)] public long FilesRefused { get; set; }
}

/// <summary>
/// A file of the day index as stored: plain members and concrete lists, because the JSON grain storage records each
/// value's runtime type and refuses compiler-made collection types when reading them back.
/// </summary>
[GenerateSerializer]
public sealed class IndexedFile
{
    [Id(0)] public string Path { get; set; } = "";
    [Id(1)] public List<string> Services { get; set; } = [];
    [Id(2)] public int Hosts { get; set; }
    [Id(3)] public int Runs { get; set; }
    [Id(4)] public int CanaryRuns { get; set; }
    [Id(5)] public int ExecutableLines { get; set; }
    [Id(6)] public int DeadCertainLines { get; set; }
    [Id(7)] public int DeadProbableLines { get; set; }
    [Id(8)] public List<string> RigSources { get; set; } = [];

    public static IndexedFile Of(SourceFileSummary f) => new()
    {
        Path = f.Path,
        Services = [.. f.Services],
        Hosts = f.Hosts,
        Runs = f.Runs,
        CanaryRuns = f.CanaryRuns,
        ExecutableLines = f.ExecutableLines,
        DeadCertainLines = f.DeadCertainLines,
        DeadProbableLines = f.DeadProbableLines,
        RigSources = [.. f.RigSources],
    };

    public SourceFileSummary ToSummary() =>
        new(Path, [.. Services], Hosts, Runs, CanaryRuns, ExecutableLines, DeadCertainLines, DeadProbableLines, [.. RigSources]);
}
