using System.Text.RegularExpressions;
using Grpc.Core;

namespace FleetProfiler.Cli.Connection;

/// <summary>Turns a failed call into an exit code and one line that says what went wrong and which gateway said so.</summary>
public static partial class GatewayErrors
{
    // The gateway prefixes messages with the request field ("selector.service: unknown service 'x'").
    [GeneratedRegex(@"^[a-z_]+([./][a-z_]+)*: ")]
    private static partial Regex FieldPrefix();

    public static (int ExitCode, string Message) Describe(RpcException e, string url, TimeSpan timeout)
    {
        var detail = string.IsNullOrWhiteSpace(e.Status.Detail) ? e.StatusCode.ToString() : e.Status.Detail.Trim();
        var message = e.StatusCode switch
        {
            StatusCode.NotFound => $"{FieldPrefix().Replace(detail, "", 1)} (gateway {url})",
            StatusCode.InvalidArgument or StatusCode.OutOfRange => $"the gateway rejected the request: {detail} (gateway {url})",
            StatusCode.Unavailable when Transport(e) is { } cause => $"cannot reach the gateway at {url}: {cause}",
            StatusCode.Unavailable => $"the gateway at {url} is unavailable: {detail}",
            StatusCode.DeadlineExceeded => $"the gateway at {url} did not answer within {Durations.Format(timeout)} (raise --timeout)",
            StatusCode.Unimplemented => $"the server at {url} does not implement this call: is it a FleetProfiler gateway of a matching version? ({detail})",
            StatusCode.FailedPrecondition => $"{FieldPrefix().Replace(detail, "", 1)} (gateway {url})",
            StatusCode.Cancelled => "cancelled",
            StatusCode.Unauthenticated => $"the gateway at {url} did not accept the API key ({detail}): pass --key-file, or set {KeySource.KeyVariable} or {KeySource.KeyFileVariable} (docs/security.md)",
            StatusCode.PermissionDenied => $"the API key's role may not do this ({detail}): an operator key is needed for triggers, compaction, schedules and cost input (gateway {url})",
            _ => $"the gateway failed ({e.StatusCode}): {detail} (gateway {url})",
        };
        return (ExitCodeFor(e.StatusCode), message);
    }

    /// <summary>The exit code of a gRPC status, from the shared table (<see cref="ExitCodes"/>).</summary>
    public static int ExitCodeFor(StatusCode code) => code switch
    {
        StatusCode.OK => ExitCodes.Ok,
        StatusCode.NotFound => ExitCodes.NotFound,
        StatusCode.InvalidArgument or StatusCode.OutOfRange => ExitCodes.InvalidArgument,
        StatusCode.Unavailable => ExitCodes.Unreachable,
        _ => ExitCodes.Failed,
    };

    /// <summary>The socket or HTTP error underneath a transport failure, e.g. "Connection refused"; null when the gateway itself answered.</summary>
    private static string? Transport(RpcException e)
    {
        Exception? cause = e.Status.DebugException;
        if (cause is null) return null;
        var innermost = cause;
        while (innermost.InnerException is not null) innermost = innermost.InnerException;
        var text = innermost.Message.Trim().TrimEnd('.');
        // "Connection refused (127.0.0.1:5150)": the URL is already in the message.
        var paren = text.IndexOf(" (", StringComparison.Ordinal);
        if (paren > 0 && text.EndsWith(')')) text = text[..paren];
        return text.Length == 0 ? cause.GetType().Name : char.ToLowerInvariant(text[0]) + text[1..];
    }
}
