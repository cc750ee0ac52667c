using Microsoft.Extensions.Configuration;

namespace FleetProfiler.Hosting;

/// <summary>Settings shared by the silo and the stand-alone gateway, bound from <c>FleetProfiler</c>.</summary>
public sealed class ClusterSettings
{
    public const string Section = "FleetProfiler";
    public const string SingleNode = "single-node";
    public const string Cluster = "cluster";

    /// <summary><c>single-node</c> (default: one process, SQLite, no server needed) or <c>cluster</c> (PostgreSQL).</summary>
    public string Mode { get; set; } = SingleNode;
    public string ClusterId { get; set; } = "fleetprofiler";
    public string ServiceId { get; set; } = "fleetprofiler";

    /// <summary>Mutual TLS between silos and from the gateway's Orleans client (cluster mode; see docs/security.md).</summary>
    public ClusterTlsSettings ClusterTls { get; set; } = new();

    public static ClusterSettings Read(IConfiguration configuration)
    {
        var s = configuration.GetSection(Section).Get<ClusterSettings>() ?? new ClusterSettings();
        s.Mode = s.Mode.Trim().ToLowerInvariant();
        if (s.Mode is not (SingleNode or Cluster))
            throw new StartupException($"{Section}:Mode: unknown mode '{s.Mode}'; use '{SingleNode}' or '{Cluster}'.");
        if (string.IsNullOrWhiteSpace(s.ClusterId)) throw new StartupException($"{Section}:ClusterId must not be empty.");
        if (string.IsNullOrWhiteSpace(s.ServiceId)) throw new StartupException($"{Section}:ServiceId must not be empty.");
        s.ClusterTls.Validate();
        return s;
    }

    public ClusterDescription Describe() => new(Mode, ClusterId, ServiceId);
}

/// <summary>What a server process reports about the cluster it belongs to.</summary>
public sealed record ClusterDescription(string Mode, string ClusterId, string ServiceId);
