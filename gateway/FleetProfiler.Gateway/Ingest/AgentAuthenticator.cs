using System.Security.Cryptography;
using System.Text;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>Maps a presented token to the one agent and host it was issued for.</summary>
public sealed class AgentAuthenticator
{
    private readonly List<(byte[] Token, AgentCredential Agent)> _agents;

    public AgentAuthenticator(IngestOptions options) =>
        _agents = options.Agents.Select(a => (Encoding.UTF8.GetBytes(a.Token), a)).ToList();

    /// <summary>The credential whose token matches, compared in constant time; null for an unknown or empty token.</summary>
    public AgentCredential? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        var presented = Encoding.UTF8.GetBytes(token);
        AgentCredential? match = null;
        foreach (var (t, agent) in _agents)
            if (CryptographicOperations.FixedTimeEquals(t, presented)) match = agent;
        return match;
    }
}
