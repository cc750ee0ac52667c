namespace FleetProfiler.Protocol;

/// <summary>The rule for agent credentials (<c>Hello.token</c>), checked by the gateway's and the agent's configuration.</summary>
public static class AgentTokens
{
    /// <summary>Shortest token accepted: short tokens are guessable.</summary>
    public const int MinimumLength = 16;

    /// <summary>True when <paramref name="token"/> may be used as an agent credential.</summary>
    public static bool IsAcceptable(string? token) => token is { Length: >= MinimumLength };
}
