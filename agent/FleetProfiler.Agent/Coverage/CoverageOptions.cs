namespace FleetProfiler.Agent.Coverage;

/// <summary>Coverage runs (section <c>Agent:Coverage</c>): bounds of what one run sends, and its signal.</summary>
public sealed class CoverageOptions
{
    /// <summary>Service assemblies covered per process (by file name order); the rest are named in the log, not covered.</summary>
    public int MaxModules { get; set; } = 500;

    /// <summary>Dead methods listed per module (certain first, then by token); the module's counts stay exact.</summary>
    public int MaxDeadMethodsPerModule { get; set; } = 20_000;

    /// <summary>Source files per run (by module, then path); files over it are not sent.</summary>
    public int MaxFiles { get; set; } = 5_000;

    /// <summary>N of <c>SIGRTMIN+N</c>, which runs coverage of every target once; -1 = no coverage signal.</summary>
    public int SignalOffset { get; set; } = 3;

    public RunLimits Limits => new(MaxDeadMethodsPerModule, MaxFiles: MaxFiles, MaxModules: MaxModules);

    public IEnumerable<string> Problems()
    {
        // Within what the gateway accepts (CoverageLimits): over it a whole run would be rejected.
        if (MaxModules < 1 || MaxModules > CoverageLimits.MaxModules)
        {
            yield return $"Agent:Coverage:MaxModules must be 1..{CoverageLimits.MaxModules}, was {MaxModules}.";
        }
        if (MaxDeadMethodsPerModule < 0 || MaxDeadMethodsPerModule > CoverageLimits.MaxDeadMethodsPerModule)
        {
            yield return $"Agent:Coverage:MaxDeadMethodsPerModule must be 0..{CoverageLimits.MaxDeadMethodsPerModule}, was {MaxDeadMethodsPerModule}.";
        }
        if (MaxFiles < 0 || MaxFiles > CoverageLimits.MaxFiles)
        {
            yield return $"Agent:Coverage:MaxFiles must be 0..{CoverageLimits.MaxFiles}, was {MaxFiles}.";
        }
    }
}
