namespace FleetProfiler.Cli.Arguments;

/// <summary>
/// One option a command accepts: <c>--name VALUE</c> (or <c>--name=VALUE</c>), a flag without a value, or the
/// command's one positional argument (<see cref="IsPositional"/>: <c>annotate FILE</c>), read by its name.
/// </summary>
public sealed record OptionSpec(string Name, bool IsFlag = false, string? Alias = null, bool IsPositional = false);

/// <summary>
/// The options of one command, read from its arguments. Every mistake is a <see cref="UsageException"/> naming the
/// option: unknown option, missing value, an option given twice, a stray positional argument.
/// </summary>
public sealed class OptionReader
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public string Command { get; }

    private OptionReader(string command) => Command = command;

    public static OptionReader Parse(string command, IReadOnlyList<string> args, IEnumerable<OptionSpec> specs)
    {
        var byName = new Dictionary<string, OptionSpec>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            byName[spec.Name] = spec;
            if (spec.Alias is not null) byName[spec.Alias] = spec;
        }

        var reader = new OptionReader(command);
        var positional = byName.Values.FirstOrDefault(s => s.IsPositional);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if ((!arg.StartsWith('-') || arg == "-") && positional is not null && !reader._values.ContainsKey(positional.Name))
            {
                reader._values[positional.Name] = arg;
                continue;
            }
            if (!arg.StartsWith('-') || arg == "-")
                throw new UsageException($"unexpected argument '{arg}' for '{command}' (options are written --name value)");

            var eq = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=') : -1;
            var name = eq < 0 ? arg : arg[..eq];
            if (!byName.TryGetValue(name, out var spec) || spec.IsPositional)
                throw new UsageException($"unknown option '{name}' for '{command}'");

            string? value;
            if (spec.IsFlag)
            {
                if (eq >= 0) throw new UsageException($"{spec.Name} takes no value");
                value = null;
            }
            else if (eq >= 0)
            {
                value = arg[(eq + 1)..];
            }
            else
            {
                // A value may start with '-' only when it is not itself an option name ("-o -" means stdout).
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                    throw new UsageException($"{spec.Name} needs a value");
                value = args[++i];
            }
            if (!reader._values.TryAdd(spec.Name, value))
                throw new UsageException($"{spec.Name} given more than once");
        }
        return reader;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public bool Flag(string name) => _values.ContainsKey(name);

    /// <summary>The value, or null when the option is absent. An empty value counts as missing.</summary>
    public string? Value(string name)
    {
        if (!_values.TryGetValue(name, out var value)) return null;
        if (string.IsNullOrWhiteSpace(value)) throw new UsageException($"{name} needs a value");
        return value;
    }

    public string Required(string name) => Value(name) ?? throw new UsageException($"{name} is required");

    public int? Int(string name, int min, int max)
    {
        var text = Value(name);
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new UsageException($"{name}: '{text}' is not a whole number between {min} and {max}");
        return n;
    }

    public double? Double(string name, double min, double maxExclusive)
    {
        var text = Value(name);
        if (text is null) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !(d >= min && d < maxExclusive))
            throw new UsageException($"{name}: '{text}' is not a number in [{min}, {maxExclusive})");
        return d;
    }

    /// <summary>The value if it is one of <paramref name="allowed"/>, else a usage error listing them.</summary>
    public string? OneOf(string name, params string[] allowed)
    {
        var value = Value(name);
        if (value is null || allowed.Contains(value, StringComparer.Ordinal)) return value;
        throw new UsageException($"{name}: unknown value '{value}' ({string.Join(", ", allowed)})");
    }
}
