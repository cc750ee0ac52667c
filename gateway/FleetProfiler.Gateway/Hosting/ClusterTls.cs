using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace FleetProfiler.Gateway.Hosting;

/// <summary>
/// Mutual TLS on the Orleans connections of a cluster (Microsoft.Orleans.Connections.Security): silos between
/// themselves and towards clients, and the gateway's Orleans client towards the silos. Both ends present a certificate
/// and accept the other's only when the cluster CA issued it (<see cref="ClusterTlsSettings"/>).
/// </summary>
public static class ClusterTls
{
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterTlsSettings settings)
    {
        var (certificate, authorities) = settings.Load();
        return silo.UseTls(o => Configure(o, certificate, authorities));
    }

    public static IClientBuilder UseClusterTls(this IClientBuilder client, ClusterTlsSettings settings)
    {
        var (certificate, authorities) = settings.Load();
        return client.UseTls(o => Configure(o, certificate, authorities));
    }

    private static void Configure(Orleans.Connections.Security.TlsOptions o, X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        o.LocalCertificate = certificate;
        // Both directions: a silo asks every client (and every other silo) for a certificate, and a client asks the silo.
        o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        o.RemoteCertificateValidation = (peer, _, _) => ClusterTlsSettings.IsIssuedByCluster(peer, authorities);
    }
}
