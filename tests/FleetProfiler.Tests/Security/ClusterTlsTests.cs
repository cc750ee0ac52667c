using FleetProfiler.Gateway.Hosting;
using FleetProfiler.Hosting;
using FleetProfiler.Protocol;
using Orleans.Runtime;

namespace FleetProfiler.Tests.Security;

/// <summary>
/// Mutual TLS inside a cluster (issue 10, item 5): real silo processes on the real PostgreSQL talk to each other over
/// TLS, a client with a certificate of the cluster CA calls grains, and a plain client or one with another CA's
/// certificate cannot connect to the silos' gateway port at all.
/// </summary>
public sealed class ClusterTlsTests
{
    private static Dictionary<string, string> Settings(string cluster, ClusterCertificates certificates, string node)
    {
        var (certificate, key) = certificates.Issue(node);
        return new()
        {
            ["Mode"] = "cluster",
            ["ClusterId"] = cluster,
            ["ServiceId"] = cluster,
            ["PostgreSql:ConnectionString"] = TestPostgres.ConnectionString,
            ["Dashboard:Enabled"] = "false",
            ["ClusterTls:CertificatePath"] = certificate,
            ["ClusterTls:KeyPath"] = key,
            ["ClusterTls:CaPath"] = certificates.CaPath,
        };
    }

    private static Action<IClientBuilder> Tls(ClusterCertificates certificates, string node)
    {
        var (certificate, key) = certificates.Issue(node);
        var settings = new ClusterTlsSettings { CertificatePath = certificate, KeyPath = key, CaPath = certificates.CaPath };
        return c => c.UseClusterTls(settings);
    }

    /// <summary>
    /// Whether a client can connect and call a grain within <see cref="TestTimeouts.Step"/>. A refused client either
    /// fails (the handshake is refused) or is still without a connection when the attempt is given up: both are "no".
    /// </summary>
    private static async Task<bool> CanCallGrainsAsync(string cluster, Action<IClientBuilder>? configure)
    {
        using var giveUp = new CancellationTokenSource(TestTimeouts.Step);
        try
        {
            await using var client = await OrleansClient.PostgresAsync(TestPostgres.ConnectionString, cluster, cluster, configure, giveUp.Token);
            await client.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(giveUp.Token);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Plain bytes to the silo's gateway port: the TLS handshake fails and the silo closes the connection.</summary>
    private static async Task<bool> ClosedAfterPlainBytesAsync(int port)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(new string('x', 64) + "an Orleans preamble in clear"));
        using var deadline = new CancellationTokenSource(TestTimeouts.Step);
        try
        {
            var buffer = new byte[256];
            while (true)
            {
                var read = await stream.ReadAsync(buffer, deadline.Token);
                if (read == 0) return true; // closed by the silo
            }
        }
        catch (IOException)
        {
            return true; // reset by the silo
        }
    }

    [Fact]
    public async Task Silos_with_mutual_TLS_form_a_cluster_that_refuses_a_plain_client_and_a_foreign_certificate_and_serves_its_own()
    {
        var cluster = "tls" + Guid.NewGuid().ToString("N")[..10];
        using var dir = new TempDirectory("cluster-tls");
        using var certificates = new ClusterCertificates(dir, "fleet");
        using var foreign = new ClusterCertificates(dir, "foreign");
        using var dirA = new TempDirectory();
        using var dirB = new TempDirectory();
        var ports = FreePorts.Take(4);
        await using var a = SiloProcess.Start(dirA.Path, Settings(cluster, certificates, "silo-a"), ports[0], ports[1]);
        await a.WaitReadyAsync();
        await using var b = SiloProcess.Start(dirB.Path, Settings(cluster, certificates, "silo-b"), ports[2], ports[3]);
        await b.WaitReadyAsync();
        Assert.Contains("(mutual TLS)", a.Output);

        // A client with a certificate of the cluster CA: both silos joined each other over TLS.
        await using (var client = await OrleansClient.PostgresAsync(TestPostgres.ConnectionString, cluster, cluster, Tls(certificates, "gateway")))
        {
            var management = client.Client.GetGrain<IManagementGrain>(0);
            await Eventually.Until(() => management.GetHosts(onlyActive: true), h => h.Count == 2, TestTimeouts.Convergence, "two active silos");
        }

        // A plain Orleans client, as anyone reaching port 30000 would bring: no connection, no grain call; the silo
        // logs the failed handshake. Below Orleans, plain bytes on the gateway port get the connection closed.
        Assert.False(await CanCallGrainsAsync(cluster, configure: null));
        await Eventually.Until(() => a.Output.Contains("Authentication") || b.Output.Contains("Authentication"),
            TestTimeouts.Step, "a silo logs the refused TLS handshake");
        Assert.True(await ClosedAfterPlainBytesAsync(a.GatewayPort));
        Assert.True(await ClosedAfterPlainBytesAsync(b.SiloPort));

        // A client with a certificate from another CA: refused in the handshake as well.
        Assert.False(await CanCallGrainsAsync(cluster, Tls(foreign, "stranger")));

        // And the right certificate still works after those attempts.
        Assert.True(await CanCallGrainsAsync(cluster, Tls(certificates, "gateway-2")));
    }

    [Fact]
    public async Task A_cluster_silo_off_loopback_without_cluster_TLS_refuses_to_start_naming_the_settings()
    {
        using var dir = new TempDirectory();
        await using var silo = SiloProcess.Start(dir.Path, new Dictionary<string, string>
        {
            ["Mode"] = "cluster",
            ["PostgreSql:ConnectionString"] = TestPostgres.ConnectionString,
            ["Dashboard:Enabled"] = "false",
            ["Silo:AdvertisedIP"] = "10.255.255.1",
        });

        Assert.Equal(ExitCodes.Usage, await silo.WaitExitAsync());
        Assert.Contains("FleetProfiler:ClusterTls:CertificatePath", silo.Output);
        Assert.Contains("FleetProfiler:ClusterTls:AllowInsecure", silo.Output);
    }
}
