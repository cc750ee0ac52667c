using System.Net;
using FleetProfiler.Gateway.Cost;
using FleetProfiler.Gateway.DeadCode;
using FleetProfiler.Gateway.HeapSnapshots;
using FleetProfiler.Gateway.Ingest;
using FleetProfiler.Gateway.Query;
using FleetProfiler.Gateway.Schedules;
using FleetProfiler.Gateway.Security;
using FleetProfiler.Gateway.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FleetProfiler.Gateway.Hosting;

/// <summary>
/// Adds the gateway (gRPC services, health, reflection, the two Kestrel ports) to a web application,
/// whether it runs as an Orleans client (cluster mode) or co-hosted with the silo (single-node mode).
/// </summary>
public static class GatewayHosting
{
    public static GatewayEndpointOptions AddFleetGateway(this WebApplicationBuilder builder, ClusterDescription cluster)
    {
        var options = builder.Configuration.GetSection(GatewayEndpointOptions.Section).Get<GatewayEndpointOptions>() ?? new GatewayEndpointOptions();
        if (!IPAddress.TryParse(options.BindAddress, out var bind))
            throw new StartupException($"{GatewayEndpointOptions.Section}:BindAddress: '{options.BindAddress}' is not an IP address.");
        if (options.GrpcPort == options.HttpPort && options.GrpcPort != 0)
            throw new StartupException($"{GatewayEndpointOptions.Section}:GrpcPort and HttpPort must differ (both {options.GrpcPort}): gRPC needs an HTTP/2-only port.");

        if (builder.Configuration.GetSection($"{IngestOptions.Section}:Agents").GetChildren().Any())
            throw new StartupException($"{IngestOptions.Section}:Agents (plain agent tokens) is replaced by hashed API keys: create one per agent with 'fleetprofiler keys new --role agent --name ID --host HOST --services S' and configure {AuthOptions.Section}:Keys (docs/security.md).");
        var ingest = builder.Configuration.GetSection(IngestOptions.Section).Get<IngestOptions>() ?? new IngestOptions();
        ingest.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(ingest);
        builder.Services.AddSingleton<AgentStreams>();
        builder.Services.AddSingleton<IngestAdmission>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddFleetSecurity();
        builder.Services.AddSingleton(cluster);
        ServerCertificates.RequireTlsOffLoopback(bind, options.Tls.Enabled, options.AllowInsecure, GatewayEndpointOptions.Section);
        var certificate = options.Tls.Enabled ? ServerCertificates.Load(options.Tls, GatewayEndpointOptions.Section) : null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(bind, options.GrpcPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                if (certificate is not null) l.UseHttps(certificate);
            });
            k.Listen(bind, options.HttpPort, l =>
            {
                l.Protocols = HttpProtocols.Http1;
                if (certificate is not null) l.UseHttps(certificate);
            });
            // Agents send batches up to the ingest limit; anything larger is refused by gRPC with a clear status.
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        builder.Services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = false;
            o.MaxReceiveMessageSize = IngestLimits.TransportMaxMessageBytes;
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddSingleton<QueryService>();
        builder.Services.AddSingleton<HeapSnapshotService>();
        var triggers = builder.Configuration.GetSection(TriggerOptions.Section).Get<TriggerOptions>() ?? new TriggerOptions();
        triggers.Validate();
        builder.Services.AddSingleton(triggers);
        builder.Services.AddSingleton<TriggerLimits>();
        var deadCode = builder.Configuration.GetSection(DeadCode.DeadCodeOptions.Section).Get<DeadCode.DeadCodeOptions>() ?? new DeadCode.DeadCodeOptions();
        deadCode.Validate();
        builder.Services.AddSingleton(deadCode);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DeadCode.DeadCodeService>();
        builder.Services.AddSingleton<Schedules.ScheduleService>();
        builder.Services.AddSingleton<Cost.CostService>();
        Web.WebAppHosting.AddFleetWebApp(builder);
        builder.Services.AddGrpcHealthChecks().AddCheck<ClusterHealthCheck>("orleans").AddCheck<RollupHealthCheck>("rollup");
        return options;
    }

    public static WebApplication MapFleetGateway(this WebApplication app)
    {
        // Before any endpoint: every route and gRPC method below requires a key (reader unless it names a policy).
        app.UseFleetSecurity();
        app.MapGrpcService<StatusService>();
        app.MapGrpcService<IngestService>();
        app.MapGrpcService<QueryService>();
        app.MapGrpcService<HeapSnapshotService>();
        app.MapHeapHttp();
        app.MapGrpcService<Cost.CostService>();
        app.MapGrpcService<DeadCode.DeadCodeService>();
        app.MapDeadCodeHttp();
        app.MapGrpcService<Schedules.ScheduleService>();
        app.MapProfileHttp();
        app.MapFlameHttp();
        app.MapGrowthHttp();
        app.MapScheduleHttp();
        app.MapCommandHttp();
        app.MapCostHttp();
        Web.WebAppHosting.MapFleetWebApp(app);
        app.MapGrpcReflectionService().RequireAuthorization(FleetPolicies.AnyKey);
        // Health stays open: load balancers and probes carry no key, and it reveals only healthy/unhealthy.
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapGet("/healthz", async (HealthCheckService health) =>
        {
            var report = await health.CheckHealthAsync();
            if (report.Status == HealthStatus.Healthy) return Microsoft.AspNetCore.Http.Results.Ok("healthy");
            // Name each failing check and why, so that the probe's log says what to fix.
            var failing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}");
            return Microsoft.AspNetCore.Http.Results.Problem(string.Join("; ", failing), statusCode: 503, title: report.Status.ToString());
        }).AllowAnonymous();
        return app;
    }

    /// <summary>The URLs a person needs, for the start-up banner.</summary>
    public static string DescribeUrls(GatewayEndpointOptions o, string? dashboardPath)
    {
        var scheme = o.Tls.Enabled ? "https" : "http";
        return $"gRPC gateway   {scheme}://{o.BindAddress}:{o.GrpcPort}  (HTTP/2; reflection and health on; API keys required, docs/security.md)\n" +
            $"web app        {scheme}://{o.BindAddress}:{o.HttpPort}/app  (a browser asks for a key: any user name, the key as password)\n" +
            $"web / JSON     {scheme}://{o.BindAddress}:{o.HttpPort}/healthz  ·  flamegraph: {scheme}://{o.BindAddress}:{o.HttpPort}/api/profile?service=<name>&kind=cpu&since=15m" +
            (dashboardPath is null ? "" : $"\ndashboard      {scheme}://{o.BindAddress}:{o.HttpPort}{dashboardPath}");
    }
}
