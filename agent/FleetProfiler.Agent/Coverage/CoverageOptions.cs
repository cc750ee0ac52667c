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

    public CoverageLimits Limits => new(MaxDeadMethodsPerModule, MaxFiles: MaxFiles, MaxModules: MaxModules);

    public IEnumerable<string> Problems()
    {
        if (MaxModules is < 1 or > 10_000)
        {
            yield return $"Agent:Coverage:MaxModules must be 1..10000, was {MaxModules}.";
        }
        if (MaxDeadMethodsPerModule is < 0 or > 1_000_000)
        {
            yield return $"Agent:Coverage:MaxDeadMethodsPerModule must be 0..1000000, was {MaxDeadMethodsPerModule}.";
        }
        if (MaxFiles is < 0 or > 100_000)
        {
            yield return $"Agent:Coverage:MaxFiles must be 0..100000, was {MaxFiles}.";
        }
    }
}
