using FleetProfiler.Abstractions.Coverage;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Coverage;

namespace FleetProfiler.Grains.Coverage;

/// <summary>
/// A file-day (see <see cref="ISourceFileGrain"/>). Production lines are a <see cref="MissedLines"/> (unions, so a
/// resent run changes nothing); each rig keeps executable and run lines; dead methods are the intersection of the
/// runs' dead-method sets. Runs are deduplicated by id while they are listed (up to <see cref="SourceFileLimits.MaxRuns"/>).
/// </summary>
public sealed class SourceFileGrain(
    [PersistentState("sourcefile", StorageNames.Fleet)] IPersistentState<SourceFileState> state,
    ILogger<SourceFileGrain> logger) : Grain, ISourceFileGrain
{
    public async Task<SourceFileRunResult> AddRunAsync(CoverageFileRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var s = state.State;
        if (s.Runs.Any(r => r.RunId == run.RunId)) return new SourceFileRunResult(false, Summary());
        LineSet executable, certain, probable;
        try
        {
            executable = LineSet.FromStored(run.Executable);
            certain = LineSet.FromStored(run.MissedCertain);
            probable = LineSet.FromStored(run.MissedProbable);
        }
        catch (ProfileDataException e)
        {
            throw new ArgumentException($"lines of run {run.RunId}: {e.Message}", nameof(run));
        }
        if (run.Source.Length == 0) ApplyProduction(s, run, executable, certain, probable);
        else if (!ApplyRig(s, run, executable, certain.Union(probable))) return new SourceFileRunResult(false, Summary());

        var info = new RunRecord
        {
            RunId = run.RunId,
            Source = run.Source,
            Service = run.Service,
            Host = run.Host,
            At = run.At,
            Canary = run.Canary,
            UncertainReason = run.UncertainReason,
        };
        if (s.Runs.Count < SourceFileLimits.MaxRuns) s.Runs.Add(info);
        else s.RunsNotListed++;
        await state.WriteStateAsync();
        return new SourceFileRunResult(true, Summary());
    }

    private static void ApplyProduction(SourceFileState s, CoverageFileRun run, LineSet executable, LineSet certain, LineSet probable)
    {
        var lines = s.Lines().Apply(executable, certain, probable, uncertain: run.UncertainReason.Length > 0 && !run.Canary);
        s.Executable = lines.Executable.ToPacked();
        s.Executed = lines.Executed.ToPacked();
        s.Probable = lines.Probable.ToPacked();
        s.ProductionRuns++;
        if (run.Canary) s.CanaryRuns++;
        if (run.Service.Length > 0) s.Services.Add(run.Service);
        if (s.Hosts.Count < SourceFileLimits.MaxRuns) s.Hosts.Add($"{run.Service}/{run.Host}");
        if (run.DeadMethods is null) return;
        // A method stays dead only if no run that covered the file ran it: intersect by name, weakest confidence.
        var uncertain = run.UncertainReason.Length > 0 && !run.Canary;
        var incoming = new Dictionary<string, DeadMethod>(StringComparer.Ordinal);
        foreach (var m in run.DeadMethods.Take(SourceFileLimits.MaxDeadMethods))
            incoming.TryAdd(m.Name, uncertain ? m with { Confidence = DeadConfidence.Probable } : m);
        if (s.DeadMethods is null)
        {
            s.DeadMethods = incoming.Values.Select(MethodRecord.Of).ToList();
            return;
        }
        var kept = new List<MethodRecord>();
        foreach (var m in s.DeadMethods)
        {
            if (!incoming.TryGetValue(m.Name, out var other)) continue;
            if (other.Confidence == DeadConfidence.Probable) m.Confidence = DeadConfidence.Probable;
            kept.Add(m);
        }
        s.DeadMethods = kept;
    }

    private bool ApplyRig(SourceFileState s, CoverageFileRun run, LineSet executable, LineSet missed)
    {
        if (!s.Rigs.TryGetValue(run.Source, out var rig))
        {
            if (s.Rigs.Count >= SourceFileLimits.MaxRigs)
            {
                logger.LogWarning("{File}: already {Max} rig sources; run {Run} of rig {Rig} is not kept", this.GetPrimaryKeyString(), SourceFileLimits.MaxRigs, run.RunId, run.Source);
                return false;
            }
            s.Rigs[run.Source] = rig = new RigRecord();
        }
        rig.Executable = LineSet.FromStored(rig.Executable).Union(executable).ToPacked();
        rig.Executed = LineSet.FromStored(rig.Executed).Union(executable.Except(missed)).ToPacked();
        rig.Runs++;
        return true;
    }

    public Task<SourceFileDay?> GetAsync()
    {
        var s = state.State;
        if (s.ProductionRuns == 0 && s.Rigs.Count == 0) return Task.FromResult<SourceFileDay?>(null);
        var (day, path) = SourceFileKey.Parse(this.GetPrimaryKeyString());
        return Task.FromResult<SourceFileDay?>(new SourceFileDay(day, path, s.Executable, s.Executed, s.Probable,
            [.. s.Runs.Select(r => new CoverageRunInfo(r.RunId, r.Source, r.Service, r.Host, r.At, r.Canary, r.UncertainReason))],
            s.RunsNotListed,
            [.. s.Rigs.Select(r => new RigLines(r.Key, r.Value.Executable, r.Value.Executed))],
            [.. (s.DeadMethods ?? []).Select(m => new DeadMethod(m.Name, m.Line, m.Confidence))],
            s.DeadMethods is not null,
            Summary()));
    }

    public Task ClearAsync() => state.ClearStateAsync();

    private SourceFileSummary Summary()
    {
        var s = state.State;
        var lines = s.Lines();
        return new SourceFileSummary(SourceFileKey.Parse(this.GetPrimaryKeyString()).Path, [.. s.Services], s.Hosts.Count, s.ProductionRuns, s.CanaryRuns,
            lines.Executable.Count, lines.DeadCertain.Count, lines.DeadProbable.Count, [.. s.Rigs.Keys]);
    }
}

/// <summary>Persisted file-day. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class SourceFileState
{
    [Id(0)] public int[] Executable { get; set; } = [];
    [Id(1)] public int[] Executed { get; set; } = [];
    [Id(2)] public int[] Probable { get; set; } = [];
    [Id(3)] public List<RunRecord> Runs { get; set; } = [];
    [Id(4)] public int RunsNotListed { get; set; }
    [Id(5)] public int ProductionRuns { get; set; }
    [Id(6)] public int CanaryRuns { get; set; }
    [Id(7)] public SortedSet<string> Services { get; set; } = new(StringComparer.Ordinal);
    /// <summary>"service/host", at most <see cref="SourceFileLimits.MaxRuns"/>.</summary>
    [Id(8)] public SortedSet<string> Hosts { get; set; } = new(StringComparer.Ordinal);
    [Id(9)] public SortedDictionary<string, RigRecord> Rigs { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Null until a run that lists dead methods covered the file.</summary>
    [Id(10)] public List<MethodRecord>? DeadMethods { get; set; }

    public MissedLines Lines() => new(LineSet.FromStored(Executable), LineSet.FromStored(Executed), LineSet.FromStored(Probable));
}

[GenerateSerializer]
public sealed class RunRecord
{
    [Id(0)] public string RunId { get; set; } = "";
    [Id(1)] public string Source { get; set; } = "";
    [Id(2)] public string Service { get; set; } = "";
    [Id(3)] public string Host { get; set; } = "";
    [Id(4)] public DateTimeOffset At { get; set; }
    [Id(5)] public bool Canary { get; set; }
    [Id(6)] public string UncertainReason { get; set; } = "";
}

[GenerateSerializer]
public sealed class RigRecord
{
    [Id(0)] public int[] Executable { get; set; } = [];
    [Id(1)] public int[] Executed { get; set; } = [];
    [Id(2)] public int Runs { get; set; }
}

[GenerateSerializer]
public sealed class MethodRecord
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public int Line { get; set; }
    [Id(2)] public DeadConfidence Confidence { get; set; }

    public static MethodRecord Of(DeadMethod m) => new() { Name = m.Name, Line = m.Line, Confidence = m.Confidence };
}
