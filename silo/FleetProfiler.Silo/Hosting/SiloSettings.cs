using System.Net;
using FleetProfiler.Hosting;

namespace FleetProfiler.Silo.Hosting;

/// <summary>Silo settings, bound from <c>FleetProfiler</c> (see README "Configuration").</summary>
public sealed class SiloSettings
{
    /// <summary>Where single-node mode keeps its SQLite files.</summary>
    public string DataDirectory { get; set; } = ".data";
    public SiloEndpointSettings Silo { get; set; } = new();
    public DashboardSettings Dashboard { get; set; } = new();
    public ReminderSettings Reminders { get; set; } = new();
    public SqliteSettings Sqlite { get; set; } = new();
    /// <summary>Whether this silo process also serves the gateway. Default: yes in single-node mode, no in cluster mode.</summary>
    public bool? HostGateway { get; set; }

    public static SiloSettings Read(IConfiguration configuration)
    {
        var s = configuration.GetSection(ClusterSettings.Section).Get<SiloSettings>() ?? new SiloSettings();
        const string p = ClusterSettings.Section;
        if (!IPAddress.TryParse(s.Silo.AdvertisedIP, out _))
            throw new StartupException($"{p}:Silo:AdvertisedIP: '{s.Silo.AdvertisedIP}' is not an IP address.");
        if (s.Silo.SiloPort is <= 0 or > 65535) throw new StartupException($"{p}:Silo:SiloPort: {s.Silo.SiloPort} is not a port.");
        if (s.Silo.GatewayPort is <= 0 or > 65535) throw new StartupException($"{p}:Silo:GatewayPort: {s.Silo.GatewayPort} is not a port.");
        if (s.Dashboard.Port is < 0 or > 65535) throw new StartupException($"{p}:Dashboard:Port: {s.Dashboard.Port} is not a port.");
        if (!s.Dashboard.Path.StartsWith('/')) throw new StartupException($"{p}:Dashboard:Path must start with '/'.");
        if (s.Sqlite.Synchronous is not ("FULL" or "NORMAL"))
            throw new StartupException($"{p}:Sqlite:Synchronous: '{s.Sqlite.Synchronous}' is not FULL or NORMAL.");
        if (s.Reminders.MinimumReminderPeriod <= TimeSpan.Zero)
            throw new StartupException($"{p}:Reminders:MinimumReminderPeriod must be positive.");
        return s;
    }
}

public sealed class SiloEndpointSettings
{
    /// <summary>Address the silo binds and advertises. Loopback by default; set the host's address for a real cluster.</summary>
    public string AdvertisedIP { get; set; } = "127.0.0.1";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>Silo name shown in the dashboard and status; defaults to the machine name and silo port.</summary>
    public string? Name { get; set; }
}

public sealed class DashboardSettings
{
    public bool Enabled { get; set; } = true;
    public string Path { get; set; } = "/dashboard";
    /// <summary>HTTP port of the dashboard when the silo does not host the gateway (cluster mode); otherwise it is on the gateway's HTTP port.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>The stand-alone dashboard serves plaintext; off loopback that takes this explicit consent (docs/security.md).</summary>
    public bool AllowInsecure { get; set; }
}

public sealed class ReminderSettings
{
    /// <summary>Smallest reminder period accepted (Orleans' default is one minute).</summary>
    public TimeSpan MinimumReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class SqliteSettings
{
    public string Synchronous { get; set; } = "FULL";
}
