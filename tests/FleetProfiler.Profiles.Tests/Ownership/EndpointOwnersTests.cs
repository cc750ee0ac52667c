using FleetProfiler.Profiles.Ownership;

namespace FleetProfiler.Profiles.Tests.Ownership;

/// <summary>Handler files from endpoint-rooted profiles, and the precedence explicit entry → CODEOWNERS → unowned.</summary>
public sealed class EndpointOwnersTests
{
    private static readonly Frame Kestrel = new("Microsoft.AspNetCore.Server.Kestrel!Connection.Process");
    private static readonly Frame Middleware = new("app!Timing.Invoke", "src/Web/Timing.cs", 12);
    private static readonly Frame OrdersGet = new("app!Orders.Get", "src/Orders/Orders.cs", 20);
    private static readonly Frame Sieve = new("app!Sieve.Run", "src/Shared/Sieve.cs", 5);
    private static readonly Frame Json = new("System.Text.Json!JsonSerializer.Serialize");
    private static readonly Frame Absolute = new("lib!Vendored.Call", "/home/ci/vendored/Vendored.cs", 3);

    private static Frame Endpoint(string name) => Frame.Endpoint(name);

    private static CallTree Tree(params (Frame[] Stack, long Cpu)[] stacks)
    {
        var tree = new CallTree();
        foreach (var (stack, cpu) in stacks) tree.Add(stack, SampleValues.Cpu(cpu));
        return tree;
    }

    [Fact]
    public void The_handler_is_the_own_code_file_on_most_samples_and_the_innermost_on_a_tie()
    {
        var tree = Tree(
            ([Endpoint("GET /orders/{id}"), Kestrel, Middleware, OrdersGet, Sieve], 3), // a helper on some samples
            ([Endpoint("GET /orders/{id}"), Kestrel, Middleware, OrdersGet, Json], 5),  // middleware and handler on all
            ([Endpoint("GET /prime"), Kestrel, OrdersGet, Sieve], 4),                    // a handler that only calls a helper
            ([Endpoint("GET /vendored"), Kestrel, Absolute], 2),                          // no repository-relative frame
            ([Kestrel, OrdersGet], 7));                                                  // not under an endpoint root
        var files = HandlerFiles.ByEndpoint(tree);
        Assert.Equal(new Dictionary<string, string>
        {
            ["GET /orders/{id}"] = "src/Orders/Orders.cs",
            ["GET /prime"] = "src/Shared/Sieve.cs",
        }, files);
    }

    [Fact]
    public void After_an_await_the_continuation_stack_still_names_the_handler()
    {
        var threadPool = new Frame("System.Private.CoreLib!ThreadPoolWorkQueue.Dispatch");
        var moveNext = new Frame("app!Orders+<Get>d__3.MoveNext", "src/Orders/Orders.cs", 31);
        var tree = Tree(([Endpoint("GET /orders/{id}"), threadPool, moveNext, Sieve], 6), ([Endpoint("GET /orders/{id}"), Kestrel, Middleware, OrdersGet], 2));
        Assert.Equal("src/Orders/Orders.cs", HandlerFiles.ByEndpoint(tree)["GET /orders/{id}"]);
    }

    [Theory]
    [InlineData("src/Orders/Orders.cs", true)]
    [InlineData("Orders.cs", true)]
    [InlineData("/home/ci/src/Orders.cs", false)]
    [InlineData("C:\\build\\Orders.cs", false)]
    [InlineData("\\\\share\\Orders.cs", false)]
    [InlineData("https://example.com/Orders.cs", false)]
    [InlineData("", false)]
    public void Own_code_is_a_repository_relative_path(string path, bool own) =>
        Assert.Equal(own, HandlerFiles.IsRepositoryRelative(path));

    private static readonly CodeOwners Owners = CodeOwners.Parse("""
        *                 @org/platform
        src/Orders/       @org/orders @alice
        src/Shared/**     @org/shared
        src/Shared/Sieve.cs
        """);

    [Fact]
    public void An_explicit_entry_wins_over_codeowners()
    {
        var owner = EndpointOwners.Resolve("GET /orders/{id}", "src/Orders/Orders.cs", Owners, new Dictionary<string, string> { ["GET /orders/{id}"] = "@org/checkout" });
        Assert.Equal(("@org/checkout", OwnerSource.Explicit, "src/Orders/Orders.cs"), (owner.Team, owner.Source, owner.HandlerFile));
    }

    [Theory]
    [InlineData("src/Orders/Orders.cs", "@org/orders", OwnerSource.CodeOwners, "CODEOWNERS line 2 (src/Orders/)")]        // first owner of the last match
    [InlineData("src/Shared/Util/Text.cs", "@org/shared", OwnerSource.CodeOwners, "CODEOWNERS line 3 (src/Shared/**)")]
    [InlineData("src/Shared/Sieve.cs", "unowned", OwnerSource.Unowned, "CODEOWNERS line 4 (src/Shared/Sieve.cs) names no owner")]
    [InlineData("README.md", "@org/platform", OwnerSource.CodeOwners, "CODEOWNERS line 1 (*)")]
    public void Codeowners_decides_by_the_handler_file_last_match_winning(string file, string team, OwnerSource source, string reason)
    {
        var owner = EndpointOwners.Resolve("GET /x", file, Owners, new Dictionary<string, string>());
        Assert.Equal((team, source, reason), (owner.Team, owner.Source, owner.Reason));
    }

    [Fact]
    public void Without_a_handler_file_or_a_codeowners_file_the_endpoint_is_unowned()
    {
        var noFile = EndpointOwners.Resolve("GET /x", null, Owners, new Dictionary<string, string>());
        Assert.Equal((CodeOwners.Unowned, OwnerSource.Unowned), (noFile.Team, noFile.Source));
        Assert.StartsWith("no handler file seen", noFile.Reason);
        var noCodeOwners = EndpointOwners.Resolve("GET /x", "src/a.cs", null, new Dictionary<string, string>());
        Assert.Equal(("unowned", "the service has no CODEOWNERS file"), (noCodeOwners.Team, noCodeOwners.Reason));
        var noRule = EndpointOwners.Resolve("GET /x", "src/a.cs", CodeOwners.Parse("docs/ @docs\n"), new Dictionary<string, string>());
        Assert.Equal(("unowned", "no CODEOWNERS rule matches src/a.cs"), (noRule.Team, noRule.Reason));
    }

    [Theory]
    [InlineData("GET /x", "team", "team: 'team' (for 'GET /x') is not @user, @org/team or an e-mail address")]
    [InlineData("GET /x", "@org/", "team: '@org/' (for 'GET /x') is not @user, @org/team or an e-mail address")]
    [InlineData(" GET /x", "@t", "endpoint: ' GET /x' is not an endpoint written \"METHOD route\" (e.g. \"GET /orders/{id}\")")]
    [InlineData("", "@t", "endpoint: '' is not an endpoint written \"METHOD route\" (e.g. \"GET /orders/{id}\")")]
    public void Bad_explicit_entries_are_refused_naming_the_entry(string endpoint, string team, string message) =>
        Assert.Equal(message, Assert.Throws<ProfileDataException>(() => EndpointOwners.Validate(new Dictionary<string, string> { [endpoint] = team })).Message);

    [Fact]
    public void Good_explicit_entries_pass_and_too_many_are_refused()
    {
        EndpointOwners.Validate(new Dictionary<string, string> { ["GET /x"] = "@org/t", ["POST /y"] = "a@b.io", ["[not in a request]"] = "@runtime" });
        var many = Enumerable.Range(0, EndpointOwners.MaxExplicit + 1).ToDictionary(i => $"GET /{i}", _ => "@t");
        Assert.Contains("at most 10000", Assert.Throws<ProfileDataException>(() => EndpointOwners.Validate(many)).Message);
    }
}
