using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace FleetProfiler.Agent.Discovery;

/// <summary>
/// Include/exclude rules on service names. A rule is a glob (<c>*</c>, <c>?</c>) or, prefixed with <c>re:</c>,
/// a regular expression; both case-insensitive and anchored to the whole name. No include rules = include all;
/// exclude wins over include. Globs are matched without <see cref="Regex"/>, so an agent with glob rules only never
/// loads the regular-expression engine (≈1 MB of the idle daemon's RSS).
/// </summary>
public sealed class ServiceFilter
{
    private const string RegexPrefix = "re:";
    private readonly Func<string, bool>[] _include;
    private readonly Func<string, bool>[] _exclude;

    public ServiceFilter(IEnumerable<string> include, IEnumerable<string> exclude)
    {
        _include = include.Select(ToMatcher).ToArray();
        _exclude = exclude.Select(ToMatcher).ToArray();
    }

    public bool Matches(string serviceName) =>
        (_include.Length == 0 || _include.Any(r => r(serviceName))) && !_exclude.Any(r => r(serviceName));

    /// <summary>Null when the rule is usable, else why not (for options validation).</summary>
    public static string? Check(string rule)
    {
        try
        {
            ToMatcher(rule);
            return string.IsNullOrWhiteSpace(rule) ? "empty rule" : null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private static Func<string, bool> ToMatcher(string rule) =>
        rule.StartsWith(RegexPrefix, StringComparison.OrdinalIgnoreCase)
            ? RegexMatcher(rule[RegexPrefix.Length..])
            : name => GlobMatches(rule, name);

    // Not inlined: the regular-expression assembly loads only when a re: rule is configured.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Func<string, bool> RegexMatcher(string pattern) =>
        new Regex($"^(?:{pattern})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)).IsMatch;

    /// <summary>
    /// Whole-name glob match, case-insensitive (invariant): <c>*</c> any run of characters, <c>?</c> one character.
    /// Iterative with one backtrack point (the last <c>*</c>): linear in practice, never exponential.
    /// </summary>
    internal static bool GlobMatches(string glob, string name)
    {
        int g = 0, n = 0, star = -1, resume = 0;
        while (n < name.Length)
        {
            if (g < glob.Length && glob[g] == '*')
            {
                star = g++;
                resume = n;
            }
            else if (g < glob.Length && (glob[g] == '?' || char.ToUpperInvariant(glob[g]) == char.ToUpperInvariant(name[n])))
            {
                g++;
                n++;
            }
            else if (star >= 0)
            {
                g = star + 1;
                n = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (g < glob.Length && glob[g] == '*')
        {
            g++;
        }
        return g == glob.Length;
    }
}
