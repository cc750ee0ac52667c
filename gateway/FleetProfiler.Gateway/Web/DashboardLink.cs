namespace FleetProfiler.Gateway.Web;

/// <summary>Where the Orleans dashboard is served on this port, registered by a silo that co-hosts the gateway and the dashboard.</summary>
public sealed record DashboardLink(string Path);
