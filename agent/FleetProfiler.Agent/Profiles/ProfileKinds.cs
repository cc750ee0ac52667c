namespace FleetProfiler.Agent.Profiles;

/// <summary>
/// A set of profile kinds: what a window collects. One bit per <see cref="ProfileKind"/> (bit = 1 &lt;&lt; kind), so
/// every kind in the registry (<see cref="ProfileTypes"/>) has a flag; cpu and wall come from the same samples, so
/// asking for both costs nothing extra.
/// </summary>
[Flags]
public enum ProfileKinds
{
    None = 0,

    /// <summary>Sample-profiler samples of threads running managed code.</summary>
    Cpu = 1 << ProfileKind.Cpu,

    /// <summary>Sample-profiler samples of every managed thread, running or blocked.</summary>
    Wall = 1 << ProfileKind.Wall,

    /// <summary>Sampled allocations: estimated bytes and objects by type and stack.</summary>
    Alloc = 1 << ProfileKind.Alloc,

    /// <summary>
    /// Sampled allocations followed through the window's GCs: estimated bytes and objects still alive at its end, by
    /// type and stack (and, from the same samples, the alloc values). Objects allocated before the window are not seen.
    /// </summary>
    Inuse = 1 << ProfileKind.Inuse,
}

/// <summary>The registry's names (<see cref="ProfileTypes"/>) for sets of kinds: <c>cpu</c>, <c>wall</c>, <c>alloc</c>, <c>inuse</c>, comma-separated.</summary>
public static class ProfileKindNames
{
    public static IReadOnlyList<string> All => ProfileTypes.Names;

    /// <summary>The flag of one kind.</summary>
    public static ProfileKinds Flag(ProfileKind kind) => (ProfileKinds)(1 << (int)kind);

    /// <summary>The one kind of a set of exactly one, else null.</summary>
    public static ProfileKind? Single(ProfileKinds kinds) =>
        ProfileTypes.All.Where(t => Flag(t.Kind) == kinds).Select(t => (ProfileKind?)t.Kind).FirstOrDefault();

    public static bool TryParse(string? text, out ProfileKinds kinds)
    {
        kinds = ProfileKinds.None;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        foreach (var part in text.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!ProfileTypes.TryParse(part.ToLowerInvariant(), out var type))
            {
                kinds = ProfileKinds.None;
                return false;
            }
            kinds |= Flag(type.Kind);
        }
        return true;
    }

    public static ProfileKinds Parse(string? text) =>
        TryParse(text, out var kinds) ? kinds : throw new FormatException($"Unknown profile kind '{text}': use {string.Join(", ", All)}.");

    public static string Format(ProfileKinds kinds) =>
        string.Join(",", ProfileTypes.All.Where(t => kinds.HasFlag(Flag(t.Kind))).Select(t => t.Name));
}
