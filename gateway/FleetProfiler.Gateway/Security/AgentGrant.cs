using System.Security.Claims;
using System.Text.RegularExpressions;

namespace FleetProfiler.Gateway.Security;

/// <summary>
/// What an agent key allows: one agent id, the hosts it may report (a name or a <c>*</c> pattern) and the services
/// it may write (<c>*</c> for any). Read from the claims of the authenticated key.
/// </summary>
public sealed class AgentGrant
{
    private readonly Regex _host;
    private readonly HashSet<string> _services;
    private readonly bool _anyService;

    public AgentGrant(string agentId, string hostPattern, IEnumerable<string> services)
    {
        AgentId = agentId;
        HostPattern = hostPattern;
        _host = new Regex("^" + Regex.Escape(hostPattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        _services = new HashSet<string>(services, StringComparer.Ordinal);
        _anyService = _services.Contains("*");
    }

    public string AgentId { get; }
    public string HostPattern { get; }

    public bool AllowsHost(string host) => host.Length > 0 && _host.IsMatch(host);

    public bool AllowsService(string service) => _anyService || _services.Contains(service);

    /// <summary>The grant of an authenticated agent key; null for any other principal.</summary>
    public static AgentGrant? Of(ClaimsPrincipal user) =>
        user.IsInRole(ApiKeys.Agent) && user.FindFirst(FleetPolicies.HostClaim) is { } host && user.Identity?.Name is { } name
            ? new AgentGrant(name, host.Value, user.FindAll(FleetPolicies.ServiceClaim).Select(c => c.Value))
            : null;
}
