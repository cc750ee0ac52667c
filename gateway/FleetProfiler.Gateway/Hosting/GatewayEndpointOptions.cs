using System.ComponentModel.DataAnnotations;

namespace FleetProfiler.Gateway.Hosting;

/// <summary>Gateway endpoints, bound from <c>FleetProfiler:Gateway</c>.</summary>
public sealed class GatewayEndpointOptions
{
    public const string Section = "FleetProfiler:Gateway";

    /// <summary>Address both ports bind to. Loopback by default: expose it deliberately.</summary>
    [Required] public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>HTTP/2-only port for gRPC (agents, query clients). HTTP/2 without TLS cannot share a port with HTTP/1.</summary>
    [Range(0, 65535)] public int GrpcPort { get; set; } = 5150;

    /// <summary>HTTP/1.1 port for browsers: web UI, JSON and the Orleans dashboard.</summary>
    [Range(0, 65535)] public int HttpPort { get; set; } = 5151;
}
