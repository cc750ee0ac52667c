using System.Globalization;
using FleetProfiler.Gateway.Hosting;
using FleetProfiler.Hosting;
using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
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
    public async Task The_stand_alone_gateway_with_cluster_TLS_ingests_and_answers_and_without_its_certificate_reaches_no_silo()
    {
        var cluster = "tlsgw" + Guid.NewGuid().ToString("N")[..10];
        using var dir = new TempDirectory("cluster-tls-gateway");
        using var certificates = new ClusterCertificates(dir, "fleet");
        var ports = FreePorts.Take(7);
        // The silo serves its own dashboard (a cluster silo without the gateway): behind the same keys.
        var siloSettings = Settings(cluster, certificates, "silo-a");
        siloSettings["Dashboard:Enabled"] = "true";
        siloSettings["Dashboard:Port"] = ports[6].ToString(CultureInfo.InvariantCulture);
        await using var silo = SiloProcess.Start(dir.Combine("silo"), siloSettings, ports[0], ports[1]);
        await silo.WaitReadyAsync();
        var dashboard = new Uri($"http://127.0.0.1:{ports[6]}");
        using (var anonymous = TestKeys.Http(dashboard, key: null))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard")).StatusCode);
        }
        using (var reader = TestKeys.Http(dashboard, TestKeys.Reader))
        {
            // "/dashboard/" itself: HttpClient drops the Authorization header when it follows the redirect from "/dashboard".
            Assert.Equal(System.Net.HttpStatusCode.OK, (await reader.GetAsync("/dashboard/")).StatusCode);
        }

        // The gateway as deployed (deploy/systemd/fleetprofiler-gateway.service): its own certificate of the cluster CA.
        var (certificate, key) = certificates.Issue("gateway");
        var gatewaySettings = new Dictionary<string, string>
        {
            ["Mode"] = "cluster",
            ["ClusterId"] = cluster,
            ["ServiceId"] = cluster,
            ["PostgreSql:ConnectionString"] = TestPostgres.ConnectionString,
            ["Gateway:GrpcPort"] = ports[2].ToString(CultureInfo.InvariantCulture),
            ["Gateway:HttpPort"] = ports[3].ToString(CultureInfo.InvariantCulture),
            ["ClusterTls:CertificatePath"] = certificate,
            ["ClusterTls:KeyPath"] = key,
            ["ClusterTls:CaPath"] = certificates.CaPath,
        };
        foreach (var (k, v) in TestKeys.AgentSettings([PlatformFixture.AgentA])) gatewaySettings[k] = v;
        await using var gateway = GatewayProcess.Start(dir.Combine("gateway"), gatewaySettings);
        await gateway.WaitReadyAsync();
        await gateway.WaitForLineAsync("mutual TLS to the silos", TestTimeouts.Step);

        // An agent's stream ingests through it, and a query answers through it, with the silo's data.
        var service = "tls-" + Guid.NewGuid().ToString("N")[..8];
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds());
        using var channel = TestKeys.Channel($"http://127.0.0.1:{ports[2]}");
        var (agent, _) = await AgentStream.ConnectAsync(channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using (agent)
        {
            // A fresh sequence: the database outlives this cluster, and (agent, sequence) is the exactly-once key.
            var sequence = (ulong)Random.Shared.NextInt64(1, long.MaxValue / 2);
            await agent.SendAckedAsync(TestBatches.Cpu(sequence, service, "host-a", start, ("Main;Work;Hot", 7), ("Main;Idle", 3)));
        }
        // The host's profile: a host's minutes are its raw windows, readable as soon as they are acked.
        var reply = await new FleetProfiler.Protocol.V1.Query.QueryClient(channel).GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = service, Host = "host-a" },
            From = Timestamp.FromDateTimeOffset(start.AddMinutes(-1)),
            To = Timestamp.FromDateTimeOffset(start.AddMinutes(1)),
            Kind = "cpu",
            Format = "folded",
        });
        var folded = reply.Data.ToStringUtf8();
        Assert.Contains(" 7", folded.Split('\n').Single(l => l.Contains("Hot")));
        Assert.Contains(" 3", folded.Split('\n').Single(l => l.Contains("Idle")));

        // The same gateway without its certificate: the silo refuses the handshake, the gateway never comes up.
        var plain = new Dictionary<string, string>(gatewaySettings)
        {
            ["Gateway:GrpcPort"] = ports[4].ToString(CultureInfo.InvariantCulture),
            ["Gateway:HttpPort"] = ports[5].ToString(CultureInfo.InvariantCulture),
        };
        foreach (var k in new[] { "ClusterTls:CertificatePath", "ClusterTls:KeyPath", "ClusterTls:CaPath" }) plain.Remove(k);
        var refusedBefore = silo.Process.Lines("Authentication").Count;
        await using var refused = GatewayProcess.Start(dir.Combine("gateway-plain"), plain);
        await Eventually.Until(() => silo.Process.Lines("Authentication").Count > refusedBefore, TestTimeouts.Convergence, "the silo logs the refused TLS handshake");
        Assert.DoesNotContain(GatewayProcess.ReadyLine, refused.Output);
        if (refused.HasExited) Assert.NotEqual(0, refused.ExitCode);
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
