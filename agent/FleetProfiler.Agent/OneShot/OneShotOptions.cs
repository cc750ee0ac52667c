namespace FleetProfiler.Agent.OneShot;

/// <summary>
/// <c>--once --pid N --kind cpu|wall|alloc|inuse --seconds S</c>: profile one process for one window, print folded
/// stacks to stdout, exit. <c>--kind coverage</c>: one coverage run, printed as the wire's <c>CoverageRun</c> in JSON. Bound from section <c>OneShot</c> (the switches are mapped onto it).
/// </summary>
public sealed class OneShotOptions
{
    public const string Section = "OneShot";

    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--once"] = "OneShot:Enabled",
        ["--pid"] = "OneShot:Pid",
        ["--kind"] = "OneShot:Kind",
        ["--seconds"] = "OneShot:Seconds",
        ["--by-endpoint"] = "OneShot:ByEndpoint",
    };

    /// <summary>Bare flags (no value after them on the command line).</summary>
    private static readonly string[] Flags = ["--once", "--by-endpoint"];

    public bool Enabled { get; set; }

    public int Pid { get; set; }

    public string Kind { get; set; } = "cpu";

    /// <summary>Window length; 0 = <see cref="AgentOptions.WindowSeconds"/>.</summary>
    public int Seconds { get; set; }

    /// <summary>Each folded stack starts with the pseudo-frame <c>[endpoint] GET /items/{id}</c> of the request it ran for.</summary>
    public bool ByEndpoint { get; set; }

    /// <summary>Problems with the switches, one line each; empty when usable.</summary>
    public IReadOnlyList<string> Check()
    {
        var problems = new List<string>();
        if (Pid <= 0)
        {
            problems.Add("--pid <process id> is required");
        }
        if (Kind != Coverage.CoverageBatches.Kind && Kind != HeapSnapshots.HeapSnapshotBatches.Kind && (!ProfileKindNames.TryParse(Kind, out var kinds) || ProfileKindNames.Single(kinds) is null))
        {
            problems.Add($"--kind must be one of {string.Join(", ", ProfileKindNames.All)}, {Coverage.CoverageBatches.Kind}, {HeapSnapshots.HeapSnapshotBatches.Kind} (was '{Kind}')");
        }
        if (Seconds is < 0 or > 600)
        {
            problems.Add($"--seconds must be 1..600 (was {Seconds})");
        }
        return problems;
    }

    /// <summary>
    /// The configuration command-line parser needs a value after every switch: turn the bare flag
    /// <c>--once</c> into <c>--once=true</c> (and <c>--by-endpoint</c> likewise).
    /// </summary>
    public static string[] NormalizeArgs(IReadOnlyList<string> args)
    {
        var result = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var next = i + 1 < args.Count ? args[i + 1] : null;
            result.Add(Flags.Contains(args[i]) && next is not ("true" or "false") ? $"{args[i]}=true" : args[i]);
        }
        return result.ToArray();
    }
}
