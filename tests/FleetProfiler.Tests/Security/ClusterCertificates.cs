using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FleetProfiler.Tests.Security;

/// <summary>
/// A cluster CA and the certificates it issues, made in the test (nothing committed): PEM certificate and key files
/// in a temporary directory, as an operator would deploy them.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;

    public ClusterCertificates(TempDirectory dir, string name)
    {
        Directory = dir;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name} cluster CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        CaPath = dir.Combine($"{name}-ca.crt");
        File.WriteAllText(CaPath, _ca.ExportCertificatePem());
    }

    public TempDirectory Directory { get; }

    /// <summary>The CA's certificate (PEM): what every node trusts.</summary>
    public string CaPath { get; }

    /// <summary>Issues a node certificate for both TLS roles (a silo is server and client); returns its PEM certificate and key paths.</summary>
    public (string CertificatePath, string KeyPath) Issue(string node)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={node}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        using var certificate = request.Create(_ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), serial);
        var certificatePath = Directory.Combine($"{node}.crt");
        var keyPath = Directory.Combine($"{node}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    public void Dispose() => _ca.Dispose();
}
