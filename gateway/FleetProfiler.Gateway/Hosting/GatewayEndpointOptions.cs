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

    /// <summary>Serve both ports over TLS with this certificate (docs/security.md, "TLS").</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>
    /// Serve plaintext on a non-loopback <see cref="BindAddress"/>. Off: such a bind without a certificate stops the
    /// start, because keys and profiles would cross the network in clear.
    /// </summary>
    public bool AllowInsecure { get; set; }
}

/// <summary>A server certificate: a PKCS#12 file (with its password), or a PEM certificate and its PEM key.</summary>
public sealed class TlsOptions
{
    /// <summary>.pfx/.p12, or a PEM certificate (then <see cref="KeyPath"/> names its key).</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>PEM private key, when <see cref="CertificatePath"/> is a PEM certificate.</summary>
    public string? KeyPath { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(CertificatePath);
}
