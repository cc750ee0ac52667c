namespace FleetProfiler.Cli.Connection;

/// <summary>
/// Where the tool finds its API key: <c>--key-file</c>, else FLEETPROFILER_KEY (the key itself), else
/// FLEETPROFILER_KEY_FILE, else the quick start's operator key (<c>.data/local/keys/operator.key</c> under the
/// working directory) when it exists. No key is not an error here: the gateway answers UNAUTHENTICATED, and the
/// tool says where to put one.
/// </summary>
public static class KeySource
{
    public const string KeyVariable = "FLEETPROFILER_KEY";
    public const string KeyFileVariable = "FLEETPROFILER_KEY_FILE";
    public static readonly string QuickStartKeyFile = Path.Combine(".data", "local", "keys", "operator.key");

    public static string? Resolve(string? keyFileOption, Func<string, string?> environment)
    {
        if (keyFileOption is not null) return Read(keyFileOption, "--key-file");
        if (environment(KeyVariable) is { Length: > 0 } key) return key.Trim();
        if (environment(KeyFileVariable) is { Length: > 0 } file) return Read(file, KeyFileVariable);
        return File.Exists(QuickStartKeyFile) ? Read(QuickStartKeyFile, "default key file") : null;
    }

    private static string Read(string path, string source)
    {
        try
        {
            var key = File.ReadAllText(path).Trim();
            return key.Length > 0 ? key : throw new UsageException($"{source}: '{path}' is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{source}: cannot read the API key from '{path}': {e.Message}");
        }
    }

    public const string Help = $"""
          --key-file F       the API key to send (default: ${KeyVariable}, else the file ${KeyFileVariable}, else ./.data/local/keys/operator.key of the quick start)
        """;
}
