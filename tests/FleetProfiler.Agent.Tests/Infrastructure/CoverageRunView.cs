namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>A received <see cref="CoverageRun"/> for assertions: lines unpacked per file, dead methods by name.</summary>
public sealed class CoverageRunView(CoverageRun run)
{
    public CoverageRun Run { get; } = run;

    public static CoverageRunView FromJson(string json) => new(Google.Protobuf.JsonParser.Default.Parse<CoverageRun>(json));

    public CoverageModule Module(string name) => Assert.Single(Run.Modules, m => m.Name == name);

    public CoverageFile File(string path) => Assert.Single(Run.Files, f => f.Path == path);

    public static SortedSet<int> Lines(IReadOnlyList<uint> packed) => [.. Agent.Coverage.LineRanges.Unpack(packed)];

    public SortedSet<int> MissedCertain(string path) => Lines(File(path).MissedCertain);

    public SortedSet<int> MissedProbable(string path) => Lines(File(path).MissedProbable);

    public SortedSet<int> Executable(string path) => Lines(File(path).Executable);

    public IEnumerable<CoverageMethod> Dead => Run.Modules.SelectMany(m => m.DeadMethods);

    public SortedSet<string> Certain => [.. Dead.Where(m => m.Confidence == DeadConfidence.DeadCertain).Select(m => m.Name)];

    public SortedSet<string> Probable => [.. Dead.Where(m => m.Confidence == DeadConfidence.DeadProbable).Select(m => m.Name)];

    /// <summary>
    /// Soundness against what the target says ran: every executed call site's line is not missed-certain, and no
    /// executed member is a dead-certain method. Returns the violations (empty = sound).
    /// </summary>
    public IReadOnlyList<string> Violations(IEnumerable<(string File, int Line, string Member)> executed)
    {
        var violations = new List<string>();
        var certainMembers = Dead.Where(m => m.Confidence == DeadConfidence.DeadCertain).ToLookup(m => m.Name[(m.Name.LastIndexOf('.') + 1)..]);
        foreach (var (file, line, member) in executed)
        {
            foreach (var f in Run.Files.Where(f => f.Path == file))
            {
                if (Lines(f.MissedCertain).Contains(line))
                {
                    violations.Add($"{file}:{line} ({member}) ran but is missed-certain");
                }
            }
            foreach (var dead in certainMembers[member].Where(m => m.File == file))
            {
                violations.Add($"{dead.Name} ran (site {file}:{line}) but is dead-certain");
            }
        }
        return violations;
    }
}
