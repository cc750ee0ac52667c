namespace FleetProfiler.Abstractions.Endpoints;

/// <summary>
/// How a window's samples were attributed to requests, as the agent reported it (ingest.proto, message Attribution)
/// and the profile store keeps it with the window.
/// </summary>
public static class AttributionMethods
{
    /// <summary>TPL activity timeline: async-correct.</summary>
    public const string Timeline = "timeline";

    /// <summary>The fallback, thread correlation (the timeline events were absent): samples after an await may land on the wrong request.</summary>
    public const string Threads = "threads";

    /// <summary>The process served no request during the window.</summary>
    public const string None = "none";

    /// <summary>The window carried no attribution (not an ASP.NET Core process, attribution off, an older agent).</summary>
    public const string Off = "off";

    /// <summary>Stored before windows kept their attribution (or by a silo of an older version): not known.</summary>
    public const string Unknown = "unknown";

    /// <summary>The stored method of a window: the agent's, or <see cref="Off"/> when it sent none.</summary>
    public static string Of(string? method) => string.IsNullOrEmpty(method) ? Off : method;
}

/// <summary>
/// The windows behind a report's sample figures by how their samples were attributed (one window counts once; every
/// part of a split window is a window here, as in the window counts). <see cref="Unknown"/> holds windows stored
/// before the store kept the method and windows whose raw rows are past <c>Profiles:WindowRetention</c> (their
/// buckets are still read).
/// </summary>
/// <param name="Timeline">Attributed with the TPL activity timeline (async-correct).</param>
/// <param name="Threads">Attributed by thread correlation, the fallback: samples after an await may be charged to the wrong endpoint.</param>
/// <param name="None">Windows during which the process served no request.</param>
/// <param name="Off">Windows without attribution: their samples are on <c>[not attributed]</c>.</param>
/// <param name="Unknown">Windows whose method is not known.</param>
/// <param name="ThreadsNotes">The agents' notes of thread-attributed windows (why the fallback was used), distinct, at most <see cref="MaxNotes"/>.</param>
[GenerateSerializer, Immutable]
public sealed record WindowAttributions(
    [property: Id(0)] int Timeline,
    [property: Id(1)] int Threads,
    [property: Id(2)] int None,
    [property: Id(3)] int Off,
    [property: Id(4)] int Unknown,
    [property: Id(5)] IReadOnlyList<string> ThreadsNotes)
{
    /// <summary>Distinct notes kept at most.</summary>
    public const int MaxNotes = 5;

    /// <summary>No window.</summary>
    public static WindowAttributions Empty { get; } = new(0, 0, 0, 0, 0, []);

    /// <summary>
    /// The counts of <paramref name="windows"/> windows from the store's (method, note, windows) groups: windows the
    /// groups do not account for (raw rows expired) are <see cref="Unknown"/>.
    /// </summary>
    public static WindowAttributions From(IEnumerable<(string Method, string Note, int Windows)> groups, int windows)
    {
        int timeline = 0, threads = 0, none = 0, off = 0, unknown = 0;
        var notes = new List<string>();
        foreach (var (method, note, count) in groups)
        {
            switch (method)
            {
                case AttributionMethods.Timeline: timeline += count; break;
                case AttributionMethods.Threads:
                    threads += count;
                    if (note.Length > 0 && notes.Count < MaxNotes && !notes.Contains(note, StringComparer.Ordinal)) notes.Add(note);
                    break;
                case AttributionMethods.None: none += count; break;
                case AttributionMethods.Off: off += count; break;
                default: unknown += count; break;
            }
        }
        var known = timeline + threads + none + off + unknown;
        return new WindowAttributions(timeline, threads, none, off, unknown + Math.Max(0, windows - known), notes);
    }

    /// <summary>The sum of two counts (reports read day by day); notes merged, still distinct and bounded.</summary>
    public WindowAttributions Add(WindowAttributions other) => new(
        Timeline + other.Timeline, Threads + other.Threads, None + other.None, Off + other.Off, Unknown + other.Unknown,
        [.. ThreadsNotes.Concat(other.ThreadsNotes).Distinct(StringComparer.Ordinal).Take(MaxNotes)]);
}
