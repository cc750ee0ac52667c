namespace FleetProfiler.Agent;

/// <summary>
/// Agent configuration: section <c>Agent</c> of appsettings.json, environment variables with prefix
/// <c>FLEETPROFILER_</c> (e.g. <c>FLEETPROFILER_Agent__WindowSeconds=5</c>) and the command line
/// (<c>--Agent:WindowSeconds 5</c>), later sources winning. Validated at start.
/// </summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>Length of one profiling window.</summary>
    public int WindowSeconds { get; set; } = 10;

    /// <summary>Daemon mode: pause between two rounds of windows (a random jitter of up to half of it is added).</summary>
    public int IntervalSeconds { get; set; } = 60;

    /// <summary>Daemon mode: kinds collected per window, comma-separated: cpu, wall, alloc.</summary>
    public string Kinds { get; set; } = "cpu,wall";

    /// <summary>Service-name rules (glob, or regex after <c>re:</c>). Empty = every .NET process.</summary>
    public List<string> Include { get; set; } = [];

    /// <summary>Service-name rules that win over <see cref="Include"/>.</summary>
    public List<string> Exclude { get; set; } = [];

    /// <summary><c>auto</c> (AllocationSampled on .NET 10+, else GCAllocationTick), <c>sampled</c> or <c>tick</c>.</summary>
    public string AllocationEvent { get; set; } = "auto";

    /// <summary>EventPipe buffer in the target process, MB.</summary>
    public int CircularBufferMB { get; set; } = 32;

    /// <summary>Where window traces are written while they are symbolized; default: the system temp directory.</summary>
    public string? TempDirectory { get; set; }

    /// <summary>Keep the .nettrace/.etlx files of each window (debugging).</summary>
    public bool KeepTraceFiles { get; set; }

    /// <summary>Longest wait for the runtime's rundown after a window is stopped.</summary>
    public int StopTimeoutSeconds { get; set; } = 30;

    public string EffectiveTempDirectory => string.IsNullOrWhiteSpace(TempDirectory) ? Path.GetTempPath() : TempDirectory;
}

/// <summary>Start-time validation: one clear message per problem.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var errors = new List<string>();
        if (options.WindowSeconds is < 1 or > 600)
        {
            errors.Add($"Agent:WindowSeconds must be 1..600, was {options.WindowSeconds}.");
        }
        if (options.IntervalSeconds is < 0 or > 86_400)
        {
            errors.Add($"Agent:IntervalSeconds must be 0..86400, was {options.IntervalSeconds}.");
        }
        if (!ProfileKindNames.TryParse(options.Kinds, out _))
        {
            errors.Add($"Agent:Kinds '{options.Kinds}' is not a comma-separated list of {string.Join(", ", ProfileKindNames.All)}.");
        }
        if (options.AllocationEvent is not ("auto" or "sampled" or "tick"))
        {
            errors.Add($"Agent:AllocationEvent must be auto, sampled or tick, was '{options.AllocationEvent}'.");
        }
        if (options.CircularBufferMB is < 1 or > 1024)
        {
            errors.Add($"Agent:CircularBufferMB must be 1..1024, was {options.CircularBufferMB}.");
        }
        if (options.StopTimeoutSeconds is < 1 or > 600)
        {
            errors.Add($"Agent:StopTimeoutSeconds must be 1..600, was {options.StopTimeoutSeconds}.");
        }
        foreach (var (list, key) in new[] { (options.Include, "Include"), (options.Exclude, "Exclude") })
        {
            foreach (var rule in list)
            {
                if (ServiceFilter.Check(rule) is { } problem)
                {
                    errors.Add($"Agent:{key} rule '{rule}' is invalid: {problem}");
                }
            }
        }
        if (!string.IsNullOrWhiteSpace(options.TempDirectory) && !Directory.Exists(options.TempDirectory))
        {
            errors.Add($"Agent:TempDirectory '{options.TempDirectory}' does not exist.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
