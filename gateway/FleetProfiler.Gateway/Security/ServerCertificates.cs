using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FleetProfiler.Gateway.Hosting;

namespace FleetProfiler.Gateway.Security;

/// <summary>Loads the gateway's TLS certificate and decides whether a bind may go without one.</summary>
public static class ServerCertificates
{
    /// <summary>The certificate of <paramref name="tls"/>; a missing or unreadable one is a start-up error naming the setting.</summary>
    public static X509Certificate2 Load(TlsOptions tls, string section)
    {
        var path = Path.GetFullPath(tls.CertificatePath!);
        try
        {
            if (!string.IsNullOrEmpty(tls.KeyPath))
            {
                var pem = X509Certificate2.CreateFromPemFile(path, Path.GetFullPath(tls.KeyPath));
                // Kestrel on Linux needs the key in an exportable store form; round-trip through PKCS#12.
                return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            return X509CertificateLoader.LoadPkcs12FromFile(path, tls.CertificatePassword);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new StartupException($"{section}:Tls:CertificatePath: cannot load '{path}': {e.Message}");
        }
    }

    /// <summary>Refuses a plaintext bind off loopback unless <paramref name="allowInsecure"/> says so deliberately.</summary>
    public static void RequireTlsOffLoopback(IPAddress bind, bool tls, bool allowInsecure, string section, bool tlsAvailable = true)
    {
        if (tls || allowInsecure || IPAddress.IsLoopback(bind)) return;
        var remedy = tlsAvailable ? $"Set {section}:Tls:CertificatePath (and CertificatePassword, or KeyPath for PEM), or " : "Put it behind a TLS proxy and set ";
        throw new StartupException(
            $"{section}: {bind} is not a loopback address and no certificate is configured: API keys and data would cross the network in clear. " +
            $"{remedy}{section}:AllowInsecure=true to serve plaintext deliberately (docs/security.md).");
    }
}
