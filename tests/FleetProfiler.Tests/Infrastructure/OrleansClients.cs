using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>Real Orleans clients of silo processes, as another service would connect.</summary>
public sealed class OrleansClient : IAsyncDisposable
{
    private readonly IHost _host;
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    private OrleansClient(IHost host) => _host = host;

    public static Task<OrleansClient> LocalhostAsync(int gatewayPort, string clusterId, string serviceId) =>
        StartAsync(c => c.UseLocalhostClustering(gatewayPort, serviceId, clusterId));

    /// <param name="configure">More client configuration (say, TLS).</param>
    /// <param name="ct">Gives up connecting (the host's start is cancelled).</param>
    public static Task<OrleansClient> PostgresAsync(string connectionString, string clusterId, string serviceId, Action<IClientBuilder>? configure = null,
        CancellationToken ct = default) =>
        StartAsync(c =>
        {
            c.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = serviceId; });
            c.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = connectionString; });
            c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            configure?.Invoke(c);
        }, ct);

    private static async Task<OrleansClient> StartAsync(Action<IClientBuilder> configure, CancellationToken ct = default)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .UseOrleansClient(configure)
            .Build();
        try
        {
            await host.StartAsync(ct);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new OrleansClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(5)); } catch (OperationCanceledException) { }
        _host.Dispose();
    }
}
