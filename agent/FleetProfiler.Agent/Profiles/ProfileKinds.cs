namespace FleetProfiler.Agent.Profiles;

/// <summary>What a window collects. cpu and wall come from the same samples, so asking for both costs nothing extra.</summary>
[Flags]
public enum ProfileKinds
{
    None = 0,

    /// <summary>Sample-profiler samples of threads running managed code.</summary>
    Cpu = 1,

    /// <summary>Sample-profiler samples of every managed thread, running or blocked.</summary>
    Wall = 2,

    /// <summary>Sampled allocations: estimated bytes and objects by type and stack.</summary>
    Alloc = 4,
}

/// <summary>The user-facing names of <see cref="ProfileKinds"/>: <c>cpu</c>, <c>wall</c>, <c>alloc</c>, comma-separated.</summary>
public static class ProfileKindNames
{
    public static readonly IReadOnlyList<string> All = ["cpu", "wall", "alloc"];

    public static bool TryParse(string? text, out ProfileKinds kinds)
    {
        kinds = ProfileKinds.None;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        foreach (var part in text.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            var kind = part.ToLowerInvariant() switch
            {
                "cpu" => ProfileKinds.Cpu,
                "wall" => ProfileKinds.Wall,
                "alloc" => ProfileKinds.Alloc,
                _ => ProfileKinds.None,
            };
            if (kind == ProfileKinds.None)
            {
                kinds = ProfileKinds.None;
                return false;
            }
            kinds |= kind;
        }
        return true;
    }

    public static ProfileKinds Parse(string? text) =>
        TryParse(text, out var kinds) ? kinds : throw new FormatException($"Unknown profile kind '{text}': use {string.Join(", ", All)}.");

    public static string Format(ProfileKinds kinds) =>
        string.Join(",", new[] { (ProfileKinds.Cpu, "cpu"), (ProfileKinds.Wall, "wall"), (ProfileKinds.Alloc, "alloc") }
            .Where(k => kinds.HasFlag(k.Item1)).Select(k => k.Item2));
}
