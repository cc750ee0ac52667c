namespace FleetProfiler.Benchmarks.Infrastructure;

/// <summary>--silo-args "Key=Value;Key=Value": extra settings under FleetProfiler: for the silo (e.g. Profiles:RollupPeriod=01:00:00).</summary>
public static class SiloArgs
{
    public static IReadOnlyDictionary<string, string> Parse(string? text)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--silo-args: '{part}' is not Key=Value");
            d[part[..eq]] = part[(eq + 1)..];
        }
        return d;
    }
}
