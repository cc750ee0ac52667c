namespace FleetProfiler.Cli.Tests.Connection;

public sealed class GatewayConnectionTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void The_option_wins_over_the_environment_and_the_default()
    {
        Assert.Equal("http://a:1", GatewayConnection.ResolveUrl("http://a:1", _ => "http://b:2"));
        Assert.Equal("http://b:2", GatewayConnection.ResolveUrl(null, name => name == "FLEETPROFILER_GATEWAY" ? "http://b:2" : null));
        Assert.Equal("http://127.0.0.1:5150", GatewayConnection.ResolveUrl(null, NoEnvironment));
    }

    [Fact]
    public void A_trailing_path_is_dropped() =>
        Assert.Equal("https://gw.example:8443", GatewayConnection.ResolveUrl("https://gw.example:8443/grpc", NoEnvironment));

    [Theory]
    [InlineData("127.0.0.1:5150")]
    [InlineData("ftp://gw:21")]
    [InlineData("not a url")]
    public void Anything_but_an_http_url_is_a_usage_error(string url) =>
        Assert.StartsWith($"--gateway: '{url}' is not a gateway URL", Assert.Throws<UsageException>(() => GatewayConnection.ResolveUrl(url, NoEnvironment)).Message);

    [Fact]
    public void A_bad_environment_value_is_named_as_such() =>
        Assert.StartsWith("FLEETPROFILER_GATEWAY: 'gw' is not a gateway URL",
            Assert.Throws<UsageException>(() => GatewayConnection.ResolveUrl(null, _ => "gw")).Message);
}
