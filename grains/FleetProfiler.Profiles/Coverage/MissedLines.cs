namespace FleetProfiler.Profiles.Coverage;

/// <summary>How a line of a file fared over a set of runs.</summary>
public enum LineStatus
{
    /// <summary>No run had a sequence point on the line (blank, comment, brace, declaration).</summary>
    NotExecutable = 1,
    /// <summary>Ran in at least one run.</summary>
    Live = 2,
    /// <summary>Missed in every run that had the line, and every one of those runs was certain of it.</summary>
    DeadCertain = 3,
    /// <summary>Missed in every run that had the line, at least one run only probably (its method may have been inlined).</summary>
    DeadProbable = 4,
}

/// <summary>
/// The intersection of missed lines of one source file over runs: a line stays missed only if it was missed in every
/// run that had it as executable, and its confidence is the weakest seen. Kept as three unions, so applying runs is
/// order-independent and applying the same run twice changes nothing (a resend cannot corrupt it):
/// <see cref="Executable"/> (lines any run had), <see cref="Executed"/> (lines any run ran) and <see cref="Probable"/>
/// (lines some run missed only probably). Dead = executable − executed.
/// </summary>
public sealed record MissedLines(LineSet Executable, LineSet Executed, LineSet Probable)
{
    /// <summary>No run yet.</summary>
    public static readonly MissedLines None = new(LineSet.Empty, LineSet.Empty, LineSet.Empty);

    /// <summary>
    /// Adds one run's lines. <paramref name="missedCertain"/> and <paramref name="missedProbable"/> must be disjoint
    /// subsets of <paramref name="executable"/> (the gateway checks it). <paramref name="uncertain"/> (a run whose
    /// agent could not rule out inlining) turns every certain miss into a probable one.
    /// </summary>
    public MissedLines Apply(LineSet executable, LineSet missedCertain, LineSet missedProbable, bool uncertain = false)
    {
        var missed = missedCertain.Union(missedProbable);
        if (!missed.IsSubsetOf(executable)) throw new ProfileDataException("missed lines must be executable lines");
        var probable = uncertain ? missed : missedProbable;
        return new MissedLines(Executable.Union(executable), Executed.Union(executable.Except(missed)), Probable.Union(probable));
    }

    /// <summary>Adds another file-day's lines (a range of days is the same intersection over all their runs).</summary>
    public MissedLines Merge(MissedLines other) =>
        new(Executable.Union(other.Executable), Executed.Union(other.Executed), Probable.Union(other.Probable));

    /// <summary>Lines missed in every run that had them.</summary>
    public LineSet Dead => Executable.Except(Executed);

    /// <summary>Dead lines every run was certain of.</summary>
    public LineSet DeadCertain => Dead.Except(Probable);

    /// <summary>Dead lines some run missed only probably.</summary>
    public LineSet DeadProbable => Dead.Intersect(Probable);

    /// <summary>The status of one line.</summary>
    public LineStatus StatusOf(int line) =>
        !Executable.Contains(line) ? LineStatus.NotExecutable
        : Executed.Contains(line) ? LineStatus.Live
        : Probable.Contains(line) ? LineStatus.DeadProbable
        : LineStatus.DeadCertain;
}
