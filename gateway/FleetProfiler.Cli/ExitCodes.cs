using Grpc.Core;

namespace FleetProfiler.Cli;

/// <summary>The process exit codes, documented in <c>--help</c> and the README; scripts depend on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Bad command line: unknown command or option, missing or malformed value.</summary>
    public const int Usage = 1;
    /// <summary>The gateway answered NOT_FOUND: unknown service or host, or no data in the range.</summary>
    public const int NotFound = 2;
    /// <summary>The gateway answered INVALID_ARGUMENT (or OUT_OF_RANGE).</summary>
    public const int InvalidArgument = 3;
    /// <summary>The gateway could not be reached (UNAVAILABLE, connection refused).</summary>
    public const int Unreachable = 4;
    /// <summary>Anything else: deadline exceeded, an agent not connected, an internal error, a file not writable.</summary>
    public const int Failed = 5;

    public static int For(StatusCode code) => code switch
    {
        StatusCode.OK => Ok,
        StatusCode.NotFound => NotFound,
        StatusCode.InvalidArgument or StatusCode.OutOfRange => InvalidArgument,
        StatusCode.Unavailable => Unreachable,
        _ => Failed,
    };

    public const string Help = """
        Exit codes:
          0  success
          1  usage error (unknown command or option, bad value, --from not before --to, ...)
          2  not found: unknown service or host, or no profile data in the range
          3  the gateway rejected an argument (INVALID_ARGUMENT)
          4  the gateway is unreachable (UNAVAILABLE, connection refused); the message names the URL
          5  any other failure (deadline exceeded, agent not connected, file not writable, ...)
        """;
}
