namespace FleetProfiler.Gateway.Security;

/// <summary>
/// Who may call the gateway, bound from <c>FleetProfiler:Auth</c>: API keys by their SHA-256 only (see docs/security.md).
/// Keys come from <see cref="Keys"/> and from <see cref="KeysFile"/>; both are re-read when they change, so a key is
/// added or revoked without a restart.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "FleetProfiler:Auth";

    public List<ApiKeyEntry> Keys { get; set; } = [];

    /// <summary>A JSON file <c>{"Keys": [ ... ]}</c> of further keys (what <c>fleetprofiler keys new --keys-file</c> writes); watched for changes.</summary>
    public string? KeysFile { get; set; }
}

/// <summary>One API key: who holds it, what it may do, and the SHA-256 of the key itself.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>Who holds the key; for an agent key, the agent id its hello must carry.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>agent</c>, <c>reader</c> or <c>operator</c> (operator includes reader).</summary>
    public string Role { get; set; } = "";

    /// <summary>Lower-case hex SHA-256 of the key (64 digits). The key itself is never configured.</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>Agent keys: the host the agent reports, or a pattern with <c>*</c> (<c>web-*</c>) for a fleet sharing one key.</summary>
    public string? Host { get; set; }

    /// <summary>Agent keys: the services the agent may write; <c>*</c> allows any.</summary>
    public List<string> Services { get; set; } = [];

    /// <summary>What is wrong with this entry (null when it is usable); <paramref name="where"/> names it in the message.</summary>
    public string? Problem(string where)
    {
        if (string.IsNullOrWhiteSpace(Name)) return $"{where}:Name is required.";
        if (!ApiKeys.Roles.Contains(Role)) return $"{where}:Role: '{Role}' is not one of {string.Join(", ", ApiKeys.Roles)} (key '{Name}').";
        if (!ApiKeys.IsHash(Sha256)) return $"{where}:Sha256: 64 hex digits are required (key '{Name}'); create a key with 'fleetprofiler keys new'.";
        if (Role == ApiKeys.Agent)
        {
            if (string.IsNullOrWhiteSpace(Host)) return $"{where}:Host is required for an agent key (key '{Name}').";
            if (Services.Count == 0 || Services.Any(string.IsNullOrWhiteSpace))
                return $"{where}:Services: an agent key names the services it may write, or '*' (key '{Name}').";
        }
        else if (!string.IsNullOrEmpty(Host) || Services.Count > 0)
        {
            return $"{where}: Host and Services are for agent keys only (key '{Name}' is a {Role} key).";
        }
        return null;
    }
}
