namespace FleetProfiler.Gateway.Security;

/// <summary>
/// The authorization policies of every port. A gRPC method or HTTP route that names none gets <see cref="Reader"/>
/// (the fallback policy), so a new query is never open by accident; writes name <see cref="Operator"/>.
/// </summary>
public static class FleetPolicies
{
    /// <summary>Queries, /api, web pages, the dashboard: a reader or an operator key.</summary>
    public const string Reader = "reader";

    /// <summary>Triggers, compaction, schedules, cost and ownership input: an operator key.</summary>
    public const string Operator = "operator";

    /// <summary>Ingest: an agent key (what it may write is checked per host and service by the ingest service).</summary>
    public const string Agent = "agent";

    /// <summary>Any valid key (gRPC reflection).</summary>
    public const string AnyKey = "any-key";

    /// <summary>Claims an agent key carries: the host (pattern) and each service it may write.</summary>
    public const string HostClaim = "fleetprofiler:host";
    public const string ServiceClaim = "fleetprofiler:service";
}
