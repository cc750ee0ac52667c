using System.Globalization;

namespace FleetProfiler.Benchmarks.Infrastructure;

/// <summary>"--name value" and "--flag" arguments after the command.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);

    public Options(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{list[i]}'");
            var name = list[i][2..];
            var eq = name.IndexOf('=');
            if (eq >= 0) _values[name[..eq]] = name[(eq + 1)..];
            else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal)) _values[name] = list[++i];
            else _values[name] = null;
        }
    }

    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string? String(string name) => Get(name);

    public bool Flag(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) && v is null or "true" or "1";
    }

    private string? Get(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? v : null;
    }

    /// <summary>Fails on options no benchmark asked for (typos).</summary>
    public void EnsureAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}

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
