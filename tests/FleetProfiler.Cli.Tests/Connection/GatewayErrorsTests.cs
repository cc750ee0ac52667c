using System.Net.Sockets;
using Grpc.Core;

namespace FleetProfiler.Cli.Tests.Connection;

public sealed class GatewayErrorsTests
{
    private const string Url = "http://gw:5150";

    private static (int Code, string Message) Describe(StatusCode code, string detail, Exception? debug = null) =>
        GatewayErrors.Describe(new RpcException(new Status(code, detail, debug)), Url, TimeSpan.FromSeconds(60));

    [Theory]
    [InlineData(StatusCode.OK, 0)]
    [InlineData(StatusCode.NotFound, 2)]
    [InlineData(StatusCode.InvalidArgument, 3)]
    [InlineData(StatusCode.OutOfRange, 3)]
    [InlineData(StatusCode.Unavailable, 4)]
    [InlineData(StatusCode.DeadlineExceeded, 1)]
    [InlineData(StatusCode.FailedPrecondition, 1)]
    [InlineData(StatusCode.Internal, 1)]
    [InlineData(StatusCode.Unknown, 1)]
    [InlineData(StatusCode.Unimplemented, 1)]
    [InlineData(StatusCode.PermissionDenied, 1)]
    [InlineData(StatusCode.Cancelled, 1)]
    public void Exit_codes_follow_the_grpc_status(StatusCode status, int exitCode)
    {
        Assert.Equal(exitCode, GatewayErrors.ExitCodeFor(status));
        if (status != StatusCode.OK) Assert.Equal(exitCode, Describe(status, "x").Code);
    }

    [Fact]
    public void Not_found_drops_the_field_name_and_names_the_gateway() =>
        Assert.Equal($"unknown service 'x' (gateway {Url})", Describe(StatusCode.NotFound, "selector.service: unknown service 'x'").Message);

    [Fact]
    public void Not_found_over_a_range_keeps_the_range() =>
        Assert.StartsWith("no profile data for 'api' between", Describe(StatusCode.NotFound, "from/to: no profile data for 'api' between a and b").Message);

    [Fact]
    public void Invalid_argument_keeps_the_field_the_gateway_named() =>
        Assert.Equal($"the gateway rejected the request: min_share: must be in [0, 1) (gateway {Url})",
            Describe(StatusCode.InvalidArgument, "min_share: must be in [0, 1)").Message);

    [Fact]
    public void A_refused_connection_names_the_url_and_the_socket_error()
    {
        var refused = new HttpRequestException("Connection refused (gw:5150)", new SocketException((int)SocketError.ConnectionRefused));

        var (code, message) = Describe(StatusCode.Unavailable, "Error connecting to subchannel.", refused);

        Assert.Equal(ExitCodes.Unreachable, code);
        Assert.Equal($"cannot reach the gateway at {Url}: connection refused", message);
    }

    [Fact]
    public void Unavailable_from_the_gateway_itself_says_so() =>
        Assert.Equal($"the gateway at {Url} is unavailable: cluster not reachable", Describe(StatusCode.Unavailable, "cluster not reachable").Message);

    [Fact]
    public void A_deadline_says_how_long_was_waited() =>
        Assert.Equal($"the gateway at {Url} did not answer within 1m (raise --timeout)", Describe(StatusCode.DeadlineExceeded, "").Message);

    [Fact]
    public void An_agent_not_connected_is_reported_plainly() =>
        Assert.Equal($"the agent of 'h1' is not connected (gateway {Url})", Describe(StatusCode.FailedPrecondition, "host: the agent of 'h1' is not connected").Message);
}
