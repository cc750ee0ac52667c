using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace FleetProfiler.DeadCodeShared;

/// <summary>
/// Ground truth for soundness tests, independent of the runtime's events: every method of the test services calls
/// <see cref="Here"/>, which records the caller's source line and member name as the compiler wrote them, so inlining
/// cannot hide a call. Bounded by the number of call sites in the test code.
/// </summary>
public static class Executed
{
    private static readonly ConcurrentDictionary<string, bool> Sites = new(StringComparer.Ordinal);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Here([CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "") =>
        Sites.TryAdd($"{file}|{line}|{member}", true);

    /// <summary>Every site that ran: <c>file|line|member</c>, sorted.</summary>
    public static IReadOnlyList<string> All() => Sites.Keys.Order(StringComparer.Ordinal).ToList();
}
