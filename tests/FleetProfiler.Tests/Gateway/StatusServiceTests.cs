using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Protocol.V1;
using FleetProfiler.Tests.Silo;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;

namespace FleetProfiler.Tests.Gateway;

/// <summary>The gateway co-hosted in a single-node silo process, over a real loopback gRPC channel.</summary>
public sealed class StatusServiceTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private SiloProcess _silo = null!;
    private GrpcChannel _channel = null!;
    private int _httpPort;

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(4);
        _httpPort = ports[3];
        _silo = SiloProcess.Start(_dir.Path, SingleNodeModeTests.SingleNodeSettings("status", ports[2], ports[3]), ports[0], ports[1]);
        await _silo.WaitReadyAsync();
        _channel = TestKeys.Channel($"http://127.0.0.1:{ports[2]}");
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _silo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Status_lists_the_silo_and_the_hosts_the_grains_know()
    {
        var status = new Status.StatusClient(_channel);
        var before = await status.GetStatusAsync(new GetStatusRequest());
        Assert.Equal("single-node", before.Mode);
        Assert.Equal("status", before.ClusterId);
        var silo = Assert.Single(before.Silos);
        Assert.Equal("Active", silo.Status);
        Assert.Equal($"127.0.0.1:{_silo.SiloPort}", silo.Address);
        Assert.Equal(0, before.HostCount);

        await using (var client = await OrleansClient.LocalhostAsync(_silo.GatewayPort, "status", "status"))
        {
            foreach (var h in new[] { "h1", "h2" })
                await client.Client.GetGrain<IHostGrain>(HostKey.Of("web", h)).RegisterAgentAsync(new AgentRegistration("a-" + h, "1"));
            await client.Client.GetGrain<IHostGrain>(HostKey.Of("batch", "b1")).RegisterAgentAsync(new AgentRegistration("a-b1", "1"));
        }

        var after = await status.GetStatusAsync(new GetStatusRequest { IncludeHosts = true, MaxHostsPerService = 1 });
        Assert.Equal(3, after.HostCount);
        Assert.Equal(["batch", "web"], after.Services.Select(s => s.Name));
        var web = after.Services.Single(s => s.Name == "web");
        Assert.Equal(2, web.HostCount);
        Assert.Equal(["h1"], web.Hosts); // capped by max_hosts_per_service
    }

    [Fact]
    public async Task A_negative_host_limit_is_an_invalid_argument()
    {
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await new Status.StatusClient(_channel).GetStatusAsync(new GetStatusRequest { MaxHostsPerService = -1 }));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("max_hosts_per_service", e.Status.Detail);
    }

    [Fact]
    public async Task Grpc_health_reports_serving()
    {
        var reply = await new Health.HealthClient(_channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_status_service()
    {
        using var call = new ServerReflection.ServerReflectionClient(_channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("fleetprofiler.v1.Status", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task Browser_port_serves_health_and_the_dashboard_over_http1()
    {
        using var http = TestKeys.Http(new Uri($"http://127.0.0.1:{_httpPort}"));
        Assert.Equal("\"healthy\"", await http.GetStringAsync("/healthz"));
        var dashboard = await http.GetAsync("/dashboard/");
        Assert.True(dashboard.IsSuccessStatusCode, $"dashboard answered {dashboard.StatusCode}");
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
