using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using FleetProfiler.Tests.Silo;
using Grpc.Core;
using Grpc.Net.Client;

namespace FleetProfiler.Tests.Security;

/// <summary>The gateway's ports over TLS, and the refusal to serve plaintext off loopback.</summary>
public sealed class TlsTests
{
    private const string Password = "test-pfx-password";

    /// <summary>A self-signed certificate for 127.0.0.1 and localhost: the PKCS#12 file the gateway loads and the PEM a client trusts.</summary>
    private static (string Pfx, string Pem) WriteCertificate(TempDirectory dir)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=fleetprofiler-test-gateway", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = dir.Combine("gateway.pfx");
        var pem = dir.Combine("gateway.crt");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, Password));
        File.WriteAllText(pem, certificate.ExportCertificatePem());
        return (pfx, pem);
    }

    private static async Task<StatusCode> ListServicesAsync(GrpcChannel channel)
    {
        try
        {
            await new FleetProfiler.Protocol.V1.Query.QueryClient(channel).ListServicesAsync(new ListServicesRequest(), deadline: DateTime.UtcNow + TestTimeouts.Step);
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    [Fact]
    public async Task A_tls_gateway_answers_a_client_that_trusts_its_certificate_and_a_plaintext_client_fails()
    {
        using var dir = new TempDirectory("tls");
        var (pfx, pem) = WriteCertificate(dir);
        await using var platform = await PlatformFixture.StartAsync(new Dictionary<string, string>
        {
            ["Gateway:Tls:CertificatePath"] = pfx,
            ["Gateway:Tls:CertificatePassword"] = Password,
        });
        var grpcTls = platform.GrpcUrl.Replace("http://", "https://", StringComparison.Ordinal);
        var trusting = new SocketsHttpHandler();
        GatewayTls.TrustOnly(trusting, pem);
        using var secure = TestKeys.Channel(grpcTls, TestKeys.Reader, new GrpcChannelOptions { HttpHandler = trusting });
        Assert.Equal(StatusCode.OK, await ListServicesAsync(secure));

        // The same key in clear against the TLS port: no answer from the gateway.
        using var plaintext = TestKeys.Channel(platform.GrpcUrl, TestKeys.Reader);
        Assert.NotEqual(StatusCode.OK, await ListServicesAsync(plaintext));

        // A client that trusts only the system store refuses the self-signed certificate.
        using var untrusting = TestKeys.Channel(grpcTls, TestKeys.Reader);
        var untrusted = await ListServicesAsync(untrusting);
        Assert.True(untrusted is StatusCode.Unavailable or StatusCode.Internal, untrusted.ToString());

        // The browser port too: https answers, http does not.
        var httpsHandler = new SocketsHttpHandler();
        GatewayTls.TrustOnly(httpsHandler, pem);
        using var https = new HttpClient(httpsHandler) { BaseAddress = new Uri(platform.HttpBase.ToString().Replace("http://", "https://", StringComparison.Ordinal)) };
        using (var health = await https.GetAsync("/healthz"))
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, health.StatusCode);
        }
        using var http = platform.Http(key: null);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync("/healthz"));
        Assert.Contains("https://", platform.Silo.Output);
    }

    [Fact]
    public async Task A_non_loopback_bind_without_tls_refuses_to_start_and_names_the_setting()
    {
        using var dir = new TempDirectory("bind");
        var ports = FreePorts.Take(4);
        var settings = SingleNodeModeTests.SingleNodeSettings("bind", ports[2], ports[3]);
        settings["Gateway:BindAddress"] = "0.0.0.0";
        await using var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]);
        Assert.Equal(ExitCodes.Usage, await silo.WaitExitAsync());
        Assert.Contains("FleetProfiler:Gateway: 0.0.0.0 is not a loopback address", silo.Output);
        Assert.Contains("FleetProfiler:Gateway:AllowInsecure=true", silo.Output);
    }
}
