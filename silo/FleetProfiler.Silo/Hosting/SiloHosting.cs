using System.Net;
using FleetProfiler.Gateway.Hosting;
using FleetProfiler.Gateway.Security;
using FleetProfiler.Grains.Hosting;
using FleetProfiler.Grains.Profiles;
using FleetProfiler.Grains.Schedules;
using FleetProfiler.Grains.Storage;
using FleetProfiler.Hosting;
using FleetProfiler.Silo.Storage;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace FleetProfiler.Silo.Hosting;

/// <summary>Configures one silo process for the chosen storage mode; validates settings before Orleans starts.</summary>
public sealed class SiloHosting
{
    private const string Invariant = "Npgsql";

    private readonly ClusterSettings _cluster;
    private readonly SiloSettings _silo;
    private readonly GatewayEndpointOptions? _gateway;
    private readonly string? _dataDirectory;

    private SiloHosting(ClusterSettings cluster, SiloSettings silo, GatewayEndpointOptions? gateway, string? dataDirectory)
    {
        _cluster = cluster;
        _silo = silo;
        _gateway = gateway;
        _dataDirectory = dataDirectory;
    }

    public static async Task<SiloHosting> ConfigureAsync(WebApplicationBuilder builder)
    {
        var cluster = ClusterSettings.Read(builder.Configuration);
        var silo = SiloSettings.Read(builder.Configuration);
        var singleNode = cluster.Mode == ClusterSettings.SingleNode;
        var connectionString = builder.Configuration[PostgresPreflight.ConnectionStringKey];
        if (!singleNode)
        {
            await PostgresPreflight.CheckAsync(connectionString,
                [.. PostgresPreflight.ClusteringKeys, .. PostgresPreflight.StorageKeys, .. PostgresPreflight.ReminderKeys], PostgresProfileStore.Tables);
        }

        if (!singleNode) cluster.ClusterTls.RequireOffLoopback(IPAddress.Parse(silo.Silo.AdvertisedIP));

        string? dataDirectory = null;
        if (singleNode)
        {
            dataDirectory = Path.GetFullPath(silo.DataDirectory);
            try { Directory.CreateDirectory(dataDirectory); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StartupException($"{ClusterSettings.Section}:DataDirectory: cannot create '{dataDirectory}': {e.Message}");
            }
        }

        builder.Services.AddSingleton(silo);
        var profiles = builder.Configuration.GetSection(ProfileStoreOptions.Section).Get<ProfileStoreOptions>() ?? new ProfileStoreOptions();
        var problems = profiles.Validate().ToList();
        if (problems.Count > 0) throw new StartupException(problems[0]);
        var schedules = builder.Configuration.GetSection(ScheduleOptions.Section).Get<ScheduleOptions>() ?? new ScheduleOptions();
        problems = schedules.Validate().ToList();
        if (problems.Count > 0) throw new StartupException(problems[0]);
        if (schedules.MinimumPeriod < silo.Reminders.MinimumReminderPeriod)
            throw new StartupException($"{ScheduleOptions.Section}:MinimumPeriod: {schedules.MinimumPeriod} is below {ClusterSettings.Section}:Reminders:MinimumReminderPeriod ({silo.Reminders.MinimumReminderPeriod}).");
        if (profiles.KeepAlivePeriod < silo.Reminders.MinimumReminderPeriod)
            throw new StartupException($"{ProfileStoreOptions.Section}:KeepAlivePeriod: {profiles.KeepAlivePeriod} is below {ClusterSettings.Section}:Reminders:MinimumReminderPeriod ({silo.Reminders.MinimumReminderPeriod}).");
        var heapSection = builder.Configuration.GetSection(FleetProfiler.Grains.HeapSnapshots.HeapSnapshotStoreOptions.Section);
        problems = (heapSection.Get<FleetProfiler.Grains.HeapSnapshots.HeapSnapshotStoreOptions>() ?? new()).Validate().ToList();
        if (problems.Count > 0) throw new StartupException(problems[0]);
        builder.Services.Configure<FleetProfiler.Grains.HeapSnapshots.HeapSnapshotStoreOptions>(heapSection);
        var hostGateway = silo.HostGateway ?? singleNode;
        GatewayEndpointOptions? gateway = null;
        if (hostGateway)
        {
            gateway = builder.AddFleetGateway(cluster.Describe());
            // The web app links to the dashboard when it is on the same port.
            if (silo.Dashboard.Enabled) builder.Services.AddSingleton(new FleetProfiler.Gateway.Web.DashboardLink(silo.Dashboard.Path));
        }
        else if (silo.Dashboard.Enabled)
        {
            // The dashboard shows every grain and silo: it takes the same keys as the gateway (reader or operator).
            builder.AddFleetSecurity();
            ServerCertificates.RequireTlsOffLoopback(IPAddress.Parse(silo.Silo.AdvertisedIP), tls: false, silo.Dashboard.AllowInsecure, $"{ClusterSettings.Section}:Dashboard", tlsAvailable: false);
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(silo.Silo.AdvertisedIP), silo.Dashboard.Port, l => l.Protocols = HttpProtocols.Http1));
        }
        else
        {
            builder.WebHost.ConfigureKestrel(k => { }); // no HTTP endpoint needed; Kestrel still wants one, see UseUrls below
        }

        if (!hostGateway && !silo.Dashboard.Enabled)
            builder.WebHost.UseUrls($"http://{silo.Silo.AdvertisedIP}:0");

        builder.UseOrleans(o =>
        {
            o.Configure<ClusterOptions>(c => { c.ClusterId = cluster.ClusterId; c.ServiceId = cluster.ServiceId; });
            o.Configure<SiloOptions>(s => s.SiloName = silo.Silo.Name ?? $"{Environment.MachineName}-{silo.Silo.SiloPort}");
            o.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection($"{ClusterSettings.Section}:Membership"));
            o.Configure<ReminderOptions>(r => r.MinimumReminderPeriod = silo.Reminders.MinimumReminderPeriod);
            var ip = IPAddress.Parse(silo.Silo.AdvertisedIP);
            if (singleNode)
            {
                o.UseLocalhostClustering(silo.Silo.SiloPort, silo.Silo.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
                o.Configure<EndpointOptions>(e => { e.AdvertisedIPAddress = ip; });
                o.AddSingleNodeStorage(dataDirectory!, silo.Sqlite.Synchronous);
            }
            else
            {
                o.ConfigureEndpoints(ip, silo.Silo.SiloPort, silo.Silo.GatewayPort);
                // Silo-to-silo and client-to-silo connections: mutual TLS when configured (checked above off loopback).
                if (cluster.ClusterTls.Enabled) o.UseClusterTls(cluster.ClusterTls);
                o.UseAdoNetClustering(c => { c.Invariant = Invariant; c.ConnectionString = connectionString; });
                o.AddAdoNetGrainStorage(StorageNames.Fleet, s => { s.Invariant = Invariant; s.ConnectionString = connectionString; });
                o.UseAdoNetReminderService(r => { r.Invariant = Invariant; r.ConnectionString = connectionString; });
                o.Services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create(connectionString!));
                o.Services.AddSingleton<IProfileStore, PostgresProfileStore>();
            }
            o.Services.AddSingleton(sp => new ServiceFrames(profiles.MaxFramesPerService, profiles.FrameCacheFrames, sp.GetRequiredService<ILoggerFactory>().CreateLogger<ServiceFrames>()));
            o.AddFleetProfilerGrains(profiles, schedules);
            if (silo.Dashboard.Enabled) o.AddDashboard();
        });
        return new SiloHosting(cluster, silo, gateway, dataDirectory);
    }

    public void Map(WebApplication app)
    {
        if (_gateway is not null) app.MapFleetGateway();
        else if (_silo.Dashboard.Enabled) app.UseFleetSecurity();
        if (_silo.Dashboard.Enabled) app.MapOrleansDashboard(_silo.Dashboard.Path).RequireAuthorization(FleetPolicies.Reader);
    }

    public string Banner()
    {
        var lines = new List<string>
        {
            $"FleetProfiler silo is up: mode {_cluster.Mode}, cluster '{_cluster.ClusterId}', silo {_silo.Silo.AdvertisedIP}:{_silo.Silo.SiloPort}, client gateway port {_silo.Silo.GatewayPort}" +
                (_cluster.Mode == ClusterSettings.Cluster ? (_cluster.ClusterTls.Enabled ? " (mutual TLS)" : " (plaintext)") : ""),
        };
        if (_dataDirectory is not null) lines.Add($"data           {_dataDirectory} (grains.db, profiles.db)");
        var dashboardPath = _silo.Dashboard.Enabled ? _silo.Dashboard.Path : null;
        if (_gateway is not null) lines.Add(GatewayHosting.DescribeUrls(_gateway, dashboardPath));
        else if (dashboardPath is not null) lines.Add($"dashboard      http://{_silo.Silo.AdvertisedIP}:{_silo.Dashboard.Port}{dashboardPath}");
        return string.Join('\n', lines);
    }
}
