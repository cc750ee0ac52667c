using FleetProfiler.Agent.RequestMetrics;

namespace FleetProfiler.Agent.Tests.RequestMetrics;

public sealed class MeterPayloadTests
{
    [Fact]
    public void Tags_of_a_request_series_give_method_route_template_and_status_class()
    {
        // As MetricsEventSource writes them on .NET 10 (seen from a real ASP.NET Core target).
        var tags = MeterPayload.ParseTags("http.request.method=GET,http.response.status_code=200,http.route=/items/{id:int},network.protocol.version=1.1,url.scheme=http");

        Assert.Equal(new RouteKey("GET", "/items/{id:int}", "2xx"), MeterPayload.RouteOf(tags));
    }

    [Fact]
    public void A_comma_inside_a_route_constraint_stays_in_the_route()
    {
        var tags = MeterPayload.ParseTags("http.request.method=GET,http.response.status_code=404,http.route=/n/{n:range(1,9)},url.scheme=http");

        Assert.Equal(new RouteKey("GET", "/n/{n:range(1,9)}", "4xx"), MeterPayload.RouteOf(tags));
    }

    [Fact]
    public void A_request_that_matched_no_endpoint_is_counted_under_no_route()
    {
        var tags = MeterPayload.ParseTags("http.request.method=GET,http.response.status_code=404,network.protocol.version=1.1,url.scheme=http");

        Assert.Equal(new RouteKey("GET", "[no route]", "4xx"), MeterPayload.RouteOf(tags));
    }

    [Theory]
    [InlineData("100", "1xx")]
    [InlineData("204", "2xx")]
    [InlineData("301", "3xx")]
    [InlineData("499", "4xx")]
    [InlineData("503", "5xx")]
    [InlineData("600", "")]
    [InlineData("-200", "")]
    [InlineData("abc", "")]
    [InlineData(null, "")]
    public void Status_codes_fall_into_their_class(string? code, string expected) =>
        Assert.Equal(expected, MeterPayload.StatusClassOf(code));

    [Fact]
    public void Quantiles_parse_with_the_invariant_culture_and_an_empty_interval_has_none()
    {
        var q = MeterPayload.ParseQuantiles("0.5=0.00021409988403320312;0.95=0.0003209114074707031;0.99=1E-05");

        Assert.Equal(0.00021409988403320312, q[0.5]);
        Assert.Equal(0.0003209114074707031, q[0.95]);
        Assert.Equal(1e-5, q[0.99]);
        Assert.Empty(MeterPayload.ParseQuantiles(""));
    }
}
