using System.Text;
using FleetProfiler.Agent.Symbolization;

namespace FleetProfiler.Agent.Tests.Symbolization;

public sealed class SourcePathRulesTests
{
    private static readonly SourcePathRules NoPrefixes = new([]);

    [Theory]
    [InlineData("/_/deploy/demo/FleetProfiler.Demo/Program.cs", "deploy/demo/FleetProfiler.Demo/Program.cs")]
    [InlineData("/_1/src/Shared/Clock.cs", "src/Shared/Clock.cs")]
    [InlineData("/_/", "/_/")]
    [InlineData("/_x/src/A.cs", "/_x/src/A.cs")]
    [InlineData("/home/ci/work/src/A.cs", "/home/ci/work/src/A.cs")]
    public void A_deterministic_root_becomes_repository_relative_and_other_paths_stay(string document, string shown)
    {
        var path = NoPrefixes.Map(document, []);
        Assert.Equal(shown, path.Path);
        Assert.Equal(document, path.Original);
        Assert.Equal(shown != document, path.IsMapped);
    }

    [Fact]
    public void The_SourceLink_document_map_strips_its_local_root()
    {
        var json = """{"documents": {"/home/ci/work/*": "https://raw.example.com/org/repo/0123abc/*", "/home/ci/work/ext/lib/*": "https://raw.example.com/org/lib/4567def/*", "/home/ci/one.cs": "https://x/one.cs"}}""";
        var roots = SourcePathRules.SourceLinkRoots(Encoding.UTF8.GetBytes(json));
        Assert.Equal(["/home/ci/work/ext/lib/", "/home/ci/work/"], roots);

        Assert.Equal("src/Orders/Handler.cs", NoPrefixes.Map("/home/ci/work/src/Orders/Handler.cs", roots).Path);
        // A nested source root (a submodule) maps relative to its own repository: the longest root wins.
        Assert.Equal("Lib.cs", NoPrefixes.Map("/home/ci/work/ext/lib/Lib.cs", roots).Path);
        Assert.Equal("/elsewhere/A.cs", NoPrefixes.Map("/elsewhere/A.cs", roots).Path);
    }

    [Fact]
    public void Unreadable_SourceLink_gives_no_roots()
    {
        Assert.Empty(SourcePathRules.SourceLinkRoots("not json"u8));
        Assert.Empty(SourcePathRules.SourceLinkRoots("""{"other": 1}"""u8));
    }

    [Fact]
    public void A_configured_prefix_is_the_fallback_and_the_longest_one_wins()
    {
        var rules = new SourcePathRules(["/build", @"C:\agent\_work\1\s\", "/build/orders/"]);
        Assert.Equal("src/Api.cs", rules.Map("/build/orders/src/Api.cs", []).Path);
        Assert.Equal("billing/Invoice.cs", rules.Map("/build/billing/Invoice.cs", []).Path);
        Assert.Equal("src/Api.cs", rules.Map(@"C:\agent\_work\1\s\src\Api.cs", []).Path);
        Assert.Equal(@"C:\agent\_work\1\s\src\Api.cs", rules.Map(@"C:\agent\_work\1\s\src\Api.cs", []).Original);
        // The deterministic root and SourceLink come before the configured prefixes.
        Assert.Equal("deploy/A.cs", rules.Map("/_/deploy/A.cs", []).Path);
        Assert.Equal("orders/x/A.cs", rules.Map("/build/orders/x/A.cs", ["/build/"]).Path);
        // A prefix must end at a directory boundary: /buildings is not under /build.
        Assert.Equal("/buildings/A.cs", rules.Map("/buildings/A.cs", []).Path);
    }

    [Fact]
    public void Prefixes_apply_to_their_service_and_to_every_service_under_star()
    {
        var options = new AgentOptions
        {
            SourcePathPrefixes = new() { ["orders"] = ["/build/orders/"], ["*"] = ["/build/"] },
        };
        Assert.Equal(["/build/orders/", "/build/"], options.SourcePathPrefixesOf("orders"));
        Assert.Equal(["/build/"], options.SourcePathPrefixesOf("billing"));
    }
}
