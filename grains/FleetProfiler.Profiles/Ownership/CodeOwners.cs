using System.Text;
using System.Text.RegularExpressions;

namespace FleetProfiler.Profiles.Ownership;

/// <summary>
/// A parsed <c>CODEOWNERS</c> file with GitHub's rules: one pattern and its owners per line, the <b>last</b> matching
/// line wins, a matching line with no owners makes the path unowned. Patterns follow gitignore syntax minus what
/// GitHub does not support (<c>!</c> negation, <c>[ ]</c> ranges): such lines, and owners that are not
/// <c>@user</c>, <c>@org/team</c> or an e-mail address, are reported in <see cref="Errors"/> and skipped, as GitHub
/// skips them. Paths are repository-relative with <c>/</c> separators and compared case-sensitively.
/// </summary>
public sealed class CodeOwners
{
    /// <summary>The owner reported for a path no rule gives an owner.</summary>
    public const string Unowned = "unowned";

    /// <summary>Lines a file may have; a longer file is refused whole (it is not a CODEOWNERS file).</summary>
    public const int MaxLines = 10_000;

    private static readonly Regex OwnerSyntax = new(@"^(@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9_.-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$", RegexOptions.CultureInvariant);

    private readonly List<CodeOwnersRule> _rules;

    private CodeOwners(List<CodeOwnersRule> rules, List<CodeOwnersError> errors)
    {
        _rules = rules;
        Errors = errors;
    }

    /// <summary>The rules in file order (valid lines only).</summary>
    public IReadOnlyList<CodeOwnersRule> Rules => _rules;

    /// <summary>Lines that were skipped, with their 1-based line number and why.</summary>
    public IReadOnlyList<CodeOwnersError> Errors { get; }

    /// <summary>Parses a CODEOWNERS file; never throws for a bad line (see <see cref="Errors"/>), only for a file over <see cref="MaxLines"/>.</summary>
    public static CodeOwners Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        if (lines.Length > MaxLines)
            throw new ProfileDataException($"CODEOWNERS has {lines.Length} lines; at most {MaxLines} are accepted");
        var rules = new List<CodeOwnersRule>();
        var errors = new List<CodeOwnersError>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var comment = line.IndexOf(" #", StringComparison.Ordinal);
            if (comment >= 0) line = line[..comment].TrimEnd();
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var pattern = parts[0];
            var why = PatternProblem(pattern) ?? parts.Skip(1).Where(o => !OwnerSyntax.IsMatch(o)).Select(o => $"'{o}' is not @user, @org/team or an e-mail address").FirstOrDefault();
            if (why is not null)
            {
                errors.Add(new CodeOwnersError(i + 1, why));
                continue;
            }
            rules.Add(new CodeOwnersRule(i + 1, pattern, [.. parts.Skip(1)], ToRegex(pattern)));
        }
        return new CodeOwners(rules, errors);
    }

    /// <summary>True for an owner GitHub accepts: <c>@user</c>, <c>@org/team</c> or an e-mail address.</summary>
    public static bool IsOwner(string owner) => owner is not null && OwnerSyntax.IsMatch(owner);

    /// <summary>The owners of a repository-relative path: those of the last matching rule; empty when unowned.</summary>
    public IReadOnlyList<string> OwnersOf(string path) => RuleFor(path)?.Owners ?? [];

    /// <summary>The rule that decides a path's owners (the last that matches), or null.</summary>
    public CodeOwnersRule? RuleFor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var p = path.Replace('\\', '/').TrimStart('/');
        for (var i = _rules.Count - 1; i >= 0; i--)
            if (_rules[i].Matches(p)) return _rules[i];
        return null;
    }

    /// <summary>The first owner of a path (the team an endpoint or file is charged to), or <see cref="Unowned"/>.</summary>
    public string PrimaryOwnerOf(string path) => OwnersOf(path) is [var first, ..] ? first : Unowned;

    private static string? PatternProblem(string pattern)
    {
        if (pattern.StartsWith('!')) return "negation ('!') is not supported in CODEOWNERS";
        if (pattern.Contains('[') || pattern.Contains(']')) return "character ranges ('[ ]') are not supported in CODEOWNERS";
        if (pattern.StartsWith('\\')) return "escaped patterns ('\\') are not supported in CODEOWNERS";
        if (pattern.Contains("***", StringComparison.Ordinal)) return "'***' is not a valid pattern";
        return null;
    }

    /// <summary>gitignore semantics: a pattern with a slash before its end is anchored at the root, else it matches at any depth; a match on a directory covers everything under it.</summary>
    internal static Regex ToRegex(string pattern)
    {
        var directoryOnly = pattern.EndsWith('/');
        var body = pattern.TrimEnd('/');
        var anchored = body.Contains('/');
        body = body.TrimStart('/');
        var rx = new StringBuilder(anchored ? "^" : "^(?:.*/)?");
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '*' && i + 1 < body.Length && body[i + 1] == '*')
            {
                var atStart = i == 0 || body[i - 1] == '/';
                var atEnd = i + 2 == body.Length || body[i + 2] == '/';
                if (atStart && atEnd)
                {
                    // "**/" = any leading directories (none included); a trailing "/**" = everything below.
                    if (i + 2 < body.Length) { rx.Append("(?:.*/)?"); i += 2; }
                    else { rx.Append(".*"); i += 1; }
                    continue;
                }
                rx.Append("[^/]*");
                i++;
                continue;
            }
            rx.Append(c switch
            {
                '*' => "[^/]*",
                '?' => "[^/]",
                _ => Regex.Escape(c.ToString()),
            });
        }
        // A match may name a file, or a directory whose contents it covers ("apps/" only directories). GitHub's
        // one departure from gitignore: "docs/*" covers the files directly in docs, not those nested deeper.
        var lastSegment = body[(body.LastIndexOf('/') + 1)..];
        rx.Append(directoryOnly ? "/.*$" : lastSegment == "*" ? "$" : "(?:/.*)?$");
        return new Regex(rx.ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1));
    }
}

/// <summary>One valid CODEOWNERS line: its pattern and owners (empty = explicitly unowned).</summary>
public sealed record CodeOwnersRule(int Line, string Pattern, IReadOnlyList<string> Owners, Regex Regex)
{
    /// <summary>True when the rule covers the repository-relative path.</summary>
    public bool Matches(string path) => Regex.IsMatch(path);
}

/// <summary>A skipped CODEOWNERS line.</summary>
public sealed record CodeOwnersError(int Line, string Message)
{
    /// <summary>"line N: why".</summary>
    public override string ToString() => $"line {Line}: {Message}";
}
