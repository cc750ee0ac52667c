using FleetProfiler.Profiles.Ownership;

namespace FleetProfiler.Profiles.Tests.Ownership;

/// <summary>The examples of GitHub's CODEOWNERS documentation, and the lines GitHub skips.</summary>
public sealed class CodeOwnersTests
{
    // GitHub's documented example file, abridged; each expectation below is what GitHub's docs say it means.
    private const string GitHubExample = """
        # This is a comment.
        *       @global-owner1 @global-owner2
        *.js    @js-owner #This is an inline comment.
        *.go docs@example.com
        *.txt @octo-org/octocats
        /build/logs/ @doctocat
        docs/*  docs@example.com
        apps/ @octocat
        /docs/ @doctocat
        /scripts/ @doctocat @octocat
        **/logs @octocat
        /apps/ @octocat
        /apps/github
        """;

    private static readonly CodeOwners Example = CodeOwners.Parse(GitHubExample);

    [Theory]
    [InlineData("README.md", "@global-owner1 @global-owner2")]          // only '*' matches
    [InlineData("src/app/index.js", "@js-owner")]                      // a later rule wins over '*'
    [InlineData("cmd/main.go", "docs@example.com")]
    [InlineData("notes/a.txt", "@octo-org/octocats")]
    [InlineData("build/logs/today/x.log", "@octocat")]                 // '/build/logs/' matches, but '**/logs' comes later
    [InlineData("build/other/x.log", "@global-owner1 @global-owner2")]
    [InlineData("docs/getting-started.md", "@doctocat")]               // '/docs/' is after 'docs/*'
    [InlineData("scripts/deploy/run.sh", "@doctocat @octocat")]
    [InlineData("deeply/nested/logs/x.txt", "@octocat")]               // '**/logs' after '*.txt'
    [InlineData("apps/web/page.cs", "@octocat")]
    [InlineData("apps/github/page.cs", "")]                            // the last match has no owners: unowned
    public void The_last_matching_rule_decides(string path, string owners) =>
        Assert.Equal(owners, string.Join(' ', Example.OwnersOf(path)));

    [Fact]
    public void A_single_star_segment_covers_direct_files_only()
    {
        var owners = CodeOwners.Parse("docs/* @docs\n");
        Assert.Equal(["@docs"], owners.OwnersOf("docs/getting-started.md"));
        Assert.Empty(owners.OwnersOf("docs/build-app/troubleshooting.md"));
    }

    [Fact]
    public void A_directory_pattern_without_a_leading_slash_matches_at_any_depth()
    {
        var owners = CodeOwners.Parse("apps/ @octocat\n");
        Assert.Equal(["@octocat"], owners.OwnersOf("apps/a.cs"));
        Assert.Equal(["@octocat"], owners.OwnersOf("src/apps/deep/a.cs"));
        Assert.Empty(owners.OwnersOf("apps")); // the directory itself is not a file under it
        Assert.Empty(owners.OwnersOf("src/application/a.cs"));
    }

    [Fact]
    public void A_slash_inside_a_pattern_anchors_it_at_the_root()
    {
        var owners = CodeOwners.Parse("src/Api @api\n");
        Assert.Equal(["@api"], owners.OwnersOf("src/Api/Orders.cs"));
        Assert.Equal(["@api"], owners.OwnersOf("src/Api"));
        Assert.Empty(owners.OwnersOf("lib/src/Api/Orders.cs"));
        Assert.Empty(owners.OwnersOf("src/ApiClient/Orders.cs"));
    }

    [Theory]
    [InlineData("**/Orders/*.cs", "a/b/Orders/X.cs", true)]
    [InlineData("**/Orders/*.cs", "Orders/X.cs", true)]
    [InlineData("**/Orders/*.cs", "a/Orders/sub/X.cs", false)]
    [InlineData("src/**/Handler.cs", "src/Handler.cs", true)]
    [InlineData("src/**/Handler.cs", "src/a/b/Handler.cs", true)]
    [InlineData("src/**", "src/a/b/c.cs", true)]
    [InlineData("src/**", "lib/src/c.cs", false)]
    [InlineData("Program.?s", "x/Program.cs", true)]
    [InlineData("Program.?s", "x/Program.css", false)]
    [InlineData("*.cs", "a/b.cs/c.txt", true)]       // a directory named *.cs covers its contents, as in gitignore
    [InlineData("a+b(c).cs", "a+b(c).cs", true)]    // regex metacharacters are literal
    [InlineData("a+b(c).cs", "aab(c).cs", false)]
    public void Globs_follow_gitignore(string pattern, string path, bool matches) =>
        Assert.Equal(matches, CodeOwners.Parse($"{pattern} @t\n").OwnersOf(path).Count == 1);

    [Fact]
    public void Paths_are_case_sensitive_and_may_carry_a_leading_slash_or_backslashes()
    {
        var owners = CodeOwners.Parse("/src/Api/ @api\n");
        Assert.Equal("@api", owners.PrimaryOwnerOf("/src/Api/Orders.cs"));
        Assert.Equal("@api", owners.PrimaryOwnerOf(@"src\Api\Orders.cs"));
        Assert.Equal(CodeOwners.Unowned, owners.PrimaryOwnerOf("src/api/Orders.cs"));
    }

    [Fact]
    public void Lines_GitHub_does_not_support_are_reported_with_their_number_and_skipped()
    {
        var owners = CodeOwners.Parse("""
            * @all
            !secret.cs @nobody
            src/[ab].cs @ranges
            \#file @escaped
            lib/ @ok not-an-owner
            tools/ @tools
            """);
        Assert.Equal(
            ["line 2: negation ('!') is not supported in CODEOWNERS",
             "line 3: character ranges ('[ ]') are not supported in CODEOWNERS",
             "line 4: escaped patterns ('\\') are not supported in CODEOWNERS",
             "line 5: 'not-an-owner' is not @user, @org/team or an e-mail address"],
            owners.Errors.Select(e => e.ToString()));
        Assert.Equal([1, 6], owners.Rules.Select(r => r.Line));
        Assert.Equal("@all", owners.PrimaryOwnerOf("secret.cs"));
        Assert.Equal("@all", owners.PrimaryOwnerOf("lib/a.cs")); // the bad line gave lib/ nothing
        Assert.Equal("@tools", owners.PrimaryOwnerOf("tools/a.cs"));
    }

    [Fact]
    public void The_deciding_rule_is_named_for_explanations()
    {
        var rule = Example.RuleFor("src/app/index.js");
        Assert.NotNull(rule);
        Assert.Equal(("*.js", 3), (rule.Pattern, rule.Line));
        Assert.Null(CodeOwners.Parse("docs/ @d\n").RuleFor("src/a.cs"));
    }

    [Fact]
    public void An_empty_file_owns_nothing_and_windows_line_endings_are_read()
    {
        Assert.Equal(CodeOwners.Unowned, CodeOwners.Parse("").PrimaryOwnerOf("a.cs"));
        Assert.Equal("@t", CodeOwners.Parse("*.cs @t\r\n").PrimaryOwnerOf("a.cs"));
    }

    [Fact]
    public void A_file_over_the_line_limit_is_refused_whole()
    {
        var e = Assert.Throws<ProfileDataException>(() => CodeOwners.Parse(string.Concat(Enumerable.Repeat("a @t\n", CodeOwners.MaxLines))));
        Assert.Contains($"at most {CodeOwners.MaxLines}", e.Message);
    }
}
