namespace FleetProfiler.Gateway.DeadCode;

/// <summary>Dead-code queries, bound from <c>FleetProfiler:DeadCode</c>; checked at start.</summary>
public sealed class DeadCodeOptions
{
    public const string Section = "FleetProfiler:DeadCode";

    /// <summary>
    /// A checkout of the repository (its root) the annotated view reads source text from; null = no text (the view
    /// then lists the lines without text and says how to get it).
    /// </summary>
    public string? SourceDirectory { get; set; }

    /// <summary>The usage period of "not run for N days" when a request names none (Codekvast's habit: 30 days).</summary>
    public int PeriodDays { get; set; } = 30;

    /// <summary>Largest source file the annotated view reads.</summary>
    public const int MaxSourceBytes = 8 * 1024 * 1024;

    public void Validate()
    {
        if (PeriodDays is < 1 or > Abstractions.Coverage.DeadCodeLimits.MaxQueryDays)
            throw new StartupException($"{Section}:PeriodDays: {PeriodDays} is not between 1 and {Abstractions.Coverage.DeadCodeLimits.MaxQueryDays}.");
        if (SourceDirectory is not null && !Directory.Exists(SourceDirectory))
            throw new StartupException($"{Section}:SourceDirectory: '{SourceDirectory}' is not a directory.");
    }
}
