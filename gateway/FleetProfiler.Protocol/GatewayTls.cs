using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace FleetProfiler.Protocol;

/// <summary>
/// The client side of the gateway's TLS rules, shared by agent and CLI: no plaintext to a gateway off loopback unless
/// allowed explicitly, and an optional CA certificate to trust (a private CA or a self-signed gateway certificate).
/// </summary>
public static class GatewayTls
{
    /// <summary>True for localhost and loopback addresses (127.0.0.0/8, ::1).</summary>
    public static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Why <paramref name="url"/> may not be used (null when it may): plaintext off loopback without consent.</summary>
    public static string? PlaintextRefusal(Uri url, bool allowInsecure, string allowSetting) =>
        url.Scheme == Uri.UriSchemeHttp && !allowInsecure && !IsLoopback(url)
            ? $"{url.GetLeftPart(UriPartial.Authority)} is plaintext to a host that is not loopback: the API key and profiles would cross the network in clear. Use https://, or set {allowSetting} to allow it deliberately (docs/security.md)."
            : null;

    /// <summary>Makes <paramref name="handler"/> accept a server certificate only if it chains to the CA in <paramref name="caPath"/> (PEM or DER).</summary>
    public static void TrustOnly(SocketsHttpHandler handler, string caPath)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null) return false;
            // Name mismatches are still errors; only the trust anchor is ours.
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        };
    }
}
