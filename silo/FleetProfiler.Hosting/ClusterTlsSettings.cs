using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FleetProfiler.Hosting;

/// <summary>
/// Mutual TLS inside a cluster (<c>FleetProfiler:ClusterTls</c>): between silos and from Orleans clients (the
/// stand-alone gateway) to the silos' gateway port. Every node presents its own certificate and accepts a peer only
/// when the peer's certificate chains to the cluster's CA, so a client without one cannot even open a connection.
/// </summary>
public sealed class ClusterTlsSettings
{
    public const string SectionName = "ClusterTls";

    /// <summary>This node's certificate: a <c>.pfx</c>/<c>.p12</c> (with <see cref="CertificatePassword"/>) or a PEM certificate (with <see cref="KeyPath"/>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>PEM file of the cluster CA certificate(s): a peer is accepted only with a certificate issued by one of them.</summary>
    public string? CaPath { get; set; }

    /// <summary>A cluster silo bound beyond loopback without TLS refuses to start unless this says plaintext is deliberate.</summary>
    public bool AllowInsecure { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);

    private static string Key(string name) => $"{ClusterSettings.Section}:{SectionName}:{name}";

    /// <summary>Settings errors, named: a certificate needs a CA to check peers against, and the files must exist.</summary>
    public void Validate()
    {
        if (!Enabled)
        {
            if (!string.IsNullOrWhiteSpace(CaPath) || !string.IsNullOrWhiteSpace(KeyPath))
                throw new StartupException($"{Key("CertificatePath")}: required when {Key("CaPath")} or {Key("KeyPath")} is set.");
            return;
        }
        if (string.IsNullOrWhiteSpace(CaPath))
            throw new StartupException($"{Key("CaPath")}: required with {Key("CertificatePath")}: mutual TLS accepts only peers whose certificate the cluster CA issued.");
        foreach (var (name, path) in new[] { ("CertificatePath", CertificatePath), ("KeyPath", KeyPath), ("CaPath", CaPath) })
        {
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
                throw new StartupException($"{Key(name)}: '{Path.GetFullPath(path)}' does not exist.");
        }
    }

    /// <summary>A cluster node listening beyond loopback must use TLS unless <see cref="AllowInsecure"/> is set.</summary>
    public void RequireOffLoopback(IPAddress bind)
    {
        if (Enabled || AllowInsecure || IPAddress.IsLoopback(bind)) return;
        throw new StartupException(
            $"{ClusterSettings.Section}:{SectionName}: the silo binds {bind}, which is not loopback, and no cluster certificate is configured: any " +
            $"Orleans client reaching its ports could call every grain. Set {Key("CertificatePath")} and {Key("CaPath")} " +
            $"(docs/security.md, \"Cluster TLS\"), or {Key("AllowInsecure")}=true on a network only silos and gateways can reach.");
    }

    /// <summary>Loads this node's certificate (with its private key) and the cluster CA; an unreadable file is a start-up error naming it.</summary>
    public (X509Certificate2 Certificate, X509Certificate2Collection Authorities) Load()
    {
        X509Certificate2 certificate;
        var path = Path.GetFullPath(CertificatePath!);
        try
        {
            certificate = string.IsNullOrWhiteSpace(KeyPath)
                ? path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase)
                    ? X509Certificate2.CreateFromPemFile(path)
                    : X509CertificateLoader.LoadPkcs12FromFile(path, CertificatePassword)
                : X509Certificate2.CreateFromPemFile(path, Path.GetFullPath(KeyPath));
            // SslStream on Linux wants the key in a persisted form: round-trip through PKCS#12.
            certificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new StartupException($"{Key("CertificatePath")}: cannot load '{path}': {e.Message}");
        }
        if (!certificate.HasPrivateKey)
            throw new StartupException($"{Key("CertificatePath")}: '{path}' has no private key (set {Key("KeyPath")} for a PEM certificate).");

        var authorities = new X509Certificate2Collection();
        var caPath = Path.GetFullPath(CaPath!);
        try
        {
            authorities.ImportFromPemFile(caPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new StartupException($"{Key("CaPath")}: cannot load '{caPath}': {e.Message}");
        }
        if (authorities.Count == 0)
            throw new StartupException($"{Key("CaPath")}: '{caPath}' holds no PEM certificate.");
        return (certificate, authorities);
    }

    /// <summary>
    /// True when <paramref name="peer"/> chains to one of <paramref name="authorities"/> (and to nothing else: the
    /// system store is not consulted). Host names are not compared: silos are reached by the address they advertise,
    /// and the cluster CA issues certificates only to its own nodes.
    /// </summary>
    public static bool IsIssuedByCluster(X509Certificate2 peer, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(peer);
    }
}
