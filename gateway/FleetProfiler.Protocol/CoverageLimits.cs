namespace FleetProfiler.Protocol;

/// <summary>
/// Limits on one coverage batch (<c>Batch.coverage</c>), enforced by the gateway (docs/protocol.md, "Coverage runs").
/// A run over any of them is rejected whole with a message naming the field; an agent splits or trims before that.
/// </summary>
public static class CoverageLimits
{
    /// <summary>Modules of one run.</summary>
    public const int MaxModules = 2_000;

    /// <summary>Source files of one run.</summary>
    public const int MaxFiles = 20_000;

    /// <summary>Ranges of one line list of one file (executable, missed_certain, missed_probable each).</summary>
    public const int MaxRangesPerList = 50_000;

    /// <summary>Dead methods of one module.</summary>
    public const int MaxDeadMethodsPerModule = 100_000;

    /// <summary>The largest line number (a source file longer than this is not a source file).</summary>
    public const int MaxLine = 1_000_000;
}
