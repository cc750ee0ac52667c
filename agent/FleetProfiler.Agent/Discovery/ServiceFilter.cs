using System.Text.RegularExpressions;

namespace FleetProfiler.Agent.Discovery;

/// <summary>
/// Include/exclude rules on service names. A rule is a glob (<c>*</c>, <c>?</c>) or, prefixed with <c>re:</c>,
/// a regular expression; both case-insensitive and anchored to the whole name. No include rules = include all;
/// exclude wins over include.
/// </summary>
public sealed class ServiceFilter
{
    private const string RegexPrefix = "re:";
    private readonly Regex[] _include;
    private readonly Regex[] _exclude;

    public ServiceFilter(IEnumerable<string> include, IEnumerable<string> exclude)
    {
        _include = include.Select(ToRegex).ToArray();
        _exclude = exclude.Select(ToRegex).ToArray();
    }

    public bool Matches(string serviceName) =>
        (_include.Length == 0 || _include.Any(r => r.IsMatch(serviceName))) && !_exclude.Any(r => r.IsMatch(serviceName));

    /// <summary>Null when the rule is usable, else why not (for options validation).</summary>
    public static string? Check(string rule)
    {
        try
        {
            ToRegex(rule);
            return string.IsNullOrWhiteSpace(rule) ? "empty rule" : null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private static Regex ToRegex(string rule)
    {
        var pattern = rule.StartsWith(RegexPrefix, StringComparison.OrdinalIgnoreCase)
            ? rule[RegexPrefix.Length..]
            : Regex.Escape(rule).Replace(@"\*", ".*").Replace(@"\?", ".");
        return new Regex($"^(?:{pattern})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }
}
