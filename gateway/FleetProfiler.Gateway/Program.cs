// Stand-alone gateway: an Orleans client of a PostgreSQL-clustered silo set (cluster mode).
// In single-node mode the silo process hosts the gateway itself; see silo/FleetProfiler.Silo.
using FleetProfiler.Gateway.Hosting;
using FleetProfiler.Protocol;
using Orleans.Configuration;
using Orleans.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    var settings = ClusterSettings.Read(builder.Configuration);
    if (settings.Mode != ClusterSettings.Cluster)
        throw new StartupException($"{ClusterSettings.Section}:Mode: the stand-alone gateway runs only in '{ClusterSettings.Cluster}' mode; in '{settings.Mode}' mode the silo hosts the gateway (dotnet run --project silo/FleetProfiler.Silo).");
    var connectionString = builder.Configuration[PostgresPreflight.ConnectionStringKey];
    await PostgresPreflight.CheckAsync(connectionString, PostgresPreflight.ClusteringKeys);

    var gateway = builder.AddFleetGateway(settings.Describe());
    builder.UseOrleansClient(client =>
    {
        client.Configure<ClusterOptions>(o => { o.ClusterId = settings.ClusterId; o.ServiceId = settings.ServiceId; });
        client.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = connectionString; });
        // A cluster with mutual TLS accepts only clients that present a certificate of its CA.
        if (settings.ClusterTls.Enabled) client.UseClusterTls(settings.ClusterTls);
    });

    var app = builder.Build();
    app.MapFleetGateway();
    await app.StartAsync();
    Console.WriteLine("FleetProfiler gateway (cluster mode) is up\n" + GatewayHosting.DescribeUrls(gateway, null) +
        (settings.ClusterTls.Enabled ? "\ncluster        mutual TLS to the silos" : "\ncluster        plaintext to the silos (no ClusterTls)"));
    await app.WaitForShutdownAsync();
    return ExitCodes.Ok;
}
catch (StartupException e)
{
    Console.Error.WriteLine("fleetprofiler-gateway: " + e.Message);
    return e.ExitCode;
}
