namespace FleetProfiler.Testing.Benchmarks;

/// <summary>A benchmark's "--name value", "--name=value" and "--flag" arguments (after the benchmark name).</summary>
public sealed class CommandLineOptions
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);

    public CommandLineOptions(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{list[i]}'");
            }
            var name = list[i][2..];
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                _values[name[..eq]] = name[(eq + 1)..];
            }
            else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                _values[name] = list[++i];
            }
            else
            {
                _values[name] = null;
            }
        }
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (Get(name) is not { } v)
        {
            return fallback;
        }
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"--{name} must be an integer in {min}..{max} (was '{v}')");
    }

    public double Double(string name, double fallback) =>
        Get(name) is not { } v ? fallback
        : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
        : throw new ArgumentException($"--{name} must be a number (was '{v}')");

    /// <summary>Positive integers separated by commas ("1,10").</summary>
    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> fallback) =>
        Get(name) is { } v
            ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i > 0
                    ? i : throw new ArgumentException($"--{name} takes positive integers separated by commas (was '{v}')"))
                .ToList()
            : fallback;

    public string? String(string name) => Get(name);

    /// <summary>"--flag", "--flag true" or "--flag 1".</summary>
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

    /// <summary>Fails on options the benchmark did not ask for (typos).</summary>
    public void EnsureAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }
}
