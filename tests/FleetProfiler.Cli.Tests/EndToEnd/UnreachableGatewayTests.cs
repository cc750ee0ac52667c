using System.Net;
using System.Net.Sockets;

namespace FleetProfiler.Cli.Tests.EndToEnd;

public sealed class UnreachableGatewayTests
{
    /// <summary>A loopback port that was just free and is closed now: connecting to it is refused.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Theory]
    [InlineData("services")]
    [InlineData("status")]
    [InlineData("profile", "--service", "checkout", "--since", "1h")]
    [InlineData("top", "--service", "checkout")]
    public async Task A_closed_port_exits_4_naming_the_url(params string[] args)
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var r = await Tool.RunAsync([.. args, "--gateway", url]);

        Assert.True(r.ExitCode == ExitCodes.Unreachable, r.ToString());
        Assert.StartsWith($"fleetprofiler: cannot reach the gateway at {url}", r.Error);
        Assert.Contains("refused", r.Error);
        Assert.Equal(1, r.Error.Count(c => c == '\n'));
    }

    [Fact]
    public async Task The_gateway_comes_from_the_environment_when_not_given()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var r = await Tool.RunAsync(new Dictionary<string, string> { ["FLEETPROFILER_GATEWAY"] = url }, "services");

        Assert.Equal(ExitCodes.Unreachable, r.ExitCode);
        Assert.Contains(url, r.Error);
    }
}
