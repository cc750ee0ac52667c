using FleetProfiler.Agent.Attribution;

namespace FleetProfiler.Agent.Tests.Attribution;

public sealed class EndpointLabelsTests
{
    [Theory]
    [InlineData("HTTP: GET /items/{id}", "/items/{id}")]
    [InlineData("HTTP: GET, POST /items/{id:int}", "/items/{id:int}")]
    [InlineData("HTTP: /health", "/health")]
    [InlineData("HTTP: GET items", "items")]
    [InlineData("gRPC - /greet.Greeter/SayHello", "/greet.Greeter/SayHello")]
    [InlineData("Shop.Controllers.ItemsController.Get (Shop)", "Shop.Controllers.ItemsController.Get")]
    [InlineData("/Index", "/Index")]
    [InlineData("Fallback {*path:nonfile}", "Fallback {*path:nonfile}")]
    public void The_route_of_an_endpoint_name_is_its_template_or_action(string displayName, string route) =>
        Assert.Equal(route, EndpointLabels.RouteOf(displayName));

    [Fact]
    public void A_very_long_endpoint_name_is_cut()
    {
        var route = EndpointLabels.RouteOf("HTTP: GET /" + new string('x', 500));
        Assert.Equal(EndpointLabels.MaxRouteLength, route.Length);
        Assert.EndsWith("…", route);
    }

    [Theory]
    [InlineData("Request matched endpoint 'HTTP: GET /items/{id}'", "HTTP: GET /items/{id}")]
    [InlineData("Request matched endpoint 'It''s'", "It''s")]
    [InlineData("Request reached the end of the middleware pipeline without being handled by application code.", null)]
    [InlineData(null, null)]
    public void The_MatchSuccess_message_names_the_endpoint(string? message, string? endpoint) =>
        Assert.Equal(endpoint, EndpointLabels.EndpointOfMatchMessage(message));

    [Fact]
    public void The_cap_keeps_the_routes_with_most_samples_and_folds_the_rest_into_other_routes()
    {
        var capped = EndpointLabels.Cap(new Dictionary<string, long>
        {
            ["GET /a"] = 50,
            ["GET /b"] = 10,
            ["GET /c"] = 10,
            ["GET /d"] = 1,
            [EndpointLabels.NotInRequest] = 1000,
            [EndpointLabels.Unattributed] = 1,
        }, max: 2);

        Assert.Equal("GET /a", capped["GET /a"]);
        // A tie breaks by label, so the same window always folds the same way.
        Assert.Equal("GET /b", capped["GET /b"]);
        Assert.Equal(EndpointLabels.OtherRoutes, capped["GET /c"]);
        Assert.Equal(EndpointLabels.OtherRoutes, capped["GET /d"]);
        Assert.Equal(EndpointLabels.NotInRequest, capped[EndpointLabels.NotInRequest]);
        Assert.Equal(EndpointLabels.Unattributed, capped[EndpointLabels.Unattributed]);
    }

    [Fact]
    public void Activity_path_prefixes_strip_one_segment_at_a_time_including_overflow_ids()
    {
        var known = new Dictionary<string, int> { ["/1/5"] = 7, ["/1/5/3/2"] = 9 };
        Assert.Equal(7, ActivityPaths.LongestKnownPrefix("/1/5/3", known));
        Assert.Equal(9, ActivityPaths.LongestKnownPrefix("/1/5/3/2/1", known));
        Assert.Equal(7, ActivityPaths.LongestKnownPrefix("/1/5$4096", known));
        Assert.Null(ActivityPaths.LongestKnownPrefix("/1/50", known));
        Assert.Null(ActivityPaths.LongestKnownPrefix("/2", known));
    }

    [Fact]
    public void Ids_that_are_not_activity_paths_have_no_path()
    {
        Assert.Null(ActivityPaths.PathOf(Guid.Empty));
        Assert.Null(ActivityPaths.PathOf(Guid.Parse("4bf92f35-77b3-4da6-a3ce-929d0e0e4736")));
    }
}
