using Grpc.Core;
using Grpc.Net.Client;

namespace FleetProfiler.Cli.Connection;

/// <summary>The gateway a command talks to: its URL, one channel carrying the API key, and the deadline every call carries.</summary>
public sealed class GatewayConnection : IDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:5150";
    public const string EnvironmentVariable = "FLEETPROFILER_GATEWAY";
    public const string CaFileVariable = "FLEETPROFILER_CA_FILE";
    public const string AllowInsecureVariable = "FLEETPROFILER_ALLOW_INSECURE";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private GrpcChannel? _channel;

    public string Url { get; }
    public TimeSpan Timeout { get; }

    /// <summary>The API key every call carries as a bearer token; null sends none (the gateway then answers UNAUTHENTICATED).</summary>
    public string? Key { get; }

    /// <summary>A CA certificate file to trust for https:// instead of the system store; null: the system store.</summary>
    public string? CaFile { get; }

    public GatewayConnection(string url, TimeSpan timeout, string? key = null, string? caFile = null)
    {
        Url = url;
        Timeout = timeout;
        Key = key;
        CaFile = caFile;
    }

    /// <summary><c>--gateway</c>, else FLEETPROFILER_GATEWAY, else the single-node default; must be an absolute http(s) URL.</summary>
    public static string ResolveUrl(string? option, Func<string, string?> environment)
    {
        var (text, source) = option is not null
            ? (option, "--gateway")
            : environment(EnvironmentVariable) is { Length: > 0 } env ? (env, EnvironmentVariable) : (DefaultUrl, "default");
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            throw new UsageException($"{source}: '{text}' is not a gateway URL (e.g. {DefaultUrl})");
        return uri.GetLeftPart(UriPartial.Authority);
    }

    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(Url, new GrpcChannelOptions
    {
        HttpHandler = new BearerHandler(Key, Handler()),
        DisposeHttpClient = true,
        // Exports of a large range can exceed gRPC's 4 MB default; the gateway caps what it reads anyway.
        MaxReceiveMessageSize = null,
    });

    /// <summary>Options for one call: the deadline (--timeout from now) and the command's cancellation.</summary>
    public CallOptions Call(CancellationToken cancellation) => new(deadline: DateTime.UtcNow + Timeout, cancellationToken: cancellation);

    public void Dispose() => _channel?.Dispose();

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private SocketsHttpHandler Handler()
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = Min(Timeout, TimeSpan.FromSeconds(10)), EnableMultipleHttp2Connections = true };
        if (CaFile is not null)
        {
            try
            {
                FleetProfiler.Protocol.GatewayTls.TrustOnly(handler, CaFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new UsageException($"--ca-file: cannot read '{CaFile}': {e.Message}");
            }
        }
        return handler;
    }

    private sealed class BearerHandler(string? key, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (key is not null) request.Headers.TryAddWithoutValidation("Authorization", FleetProfiler.Protocol.ApiKeys.BearerHeader(key));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
