using Microsoft.Diagnostics.Tracing;

namespace FleetProfiler.Agent.Attribution;

/// <summary>
/// EventSource activity ids are paths packed into a Guid (<c>/1/5/3</c>: the 3rd child of the 5th child of 1); a task
/// started inside a request runs under a descendant of the request's path. Overflowing ids (<c>/1/5$9</c>) are
/// descendants too.
/// </summary>
public static class ActivityPaths
{
    /// <summary>The path of <paramref name="activity"/>, or null when it is not an activity path.</summary>
    public static string? PathOf(Guid activity) =>
        activity != Guid.Empty && StartStopActivityComputer.IsActivityPath(activity, 0)
            ? StartStopActivityComputer.ActivityPathString(activity).TrimEnd('/')
            : null;

    /// <summary>The value of the longest prefix of <paramref name="path"/> (itself included) that is a key, stripping one trailing segment at a time.</summary>
    public static T? LongestKnownPrefix<T>(string path, IReadOnlyDictionary<string, T> known) where T : struct
    {
        var candidate = path;
        while (candidate.Length > 0)
        {
            if (known.TryGetValue(candidate, out var value))
            {
                return value;
            }
            var cut = candidate.LastIndexOfAny(['/', '$']);
            if (cut < 0)
            {
                return null;
            }
            candidate = candidate[..cut];
        }
        return null;
    }
}
