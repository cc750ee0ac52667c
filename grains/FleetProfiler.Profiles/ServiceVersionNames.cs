namespace FleetProfiler.Profiles;

/// <summary>What a service version may look like (agent, gateway and queries agree on it).</summary>
public static class ServiceVersionNames
{
    /// <summary>Characters a version has at most.</summary>
    public const int MaxLength = 128;

    /// <summary>Why <paramref name="version"/> is not a valid version, or null when it is ("" = unknown is valid).</summary>
    public static string? Check(string version) =>
        version.Length > MaxLength ? $"longer than {MaxLength} characters"
        : version.Any(char.IsControl) ? "contains a control character"
        : null;
}
