namespace FleetProfiler.Gateway.Ingest;

/// <summary>Agent credentials and batch limits, bound from <c>FleetProfiler:Ingest</c>.</summary>
public sealed class IngestOptions
{
    public const string Section = "FleetProfiler:Ingest";

    /// <summary>The agents allowed to connect: each with its own token, bound to one host.</summary>
    public List<AgentCredential> Agents { get; set; } = [];

    public BatchLimits Limits { get; set; } = new();

    /// <summary>
    /// Fault injection for crash tests, never for production: the batch with this sequence is applied (durably stored)
    /// and its ack is not sent, so a test can kill the platform between the two deterministically.
    /// </summary>
    public ulong? WithholdAckOfSequence { get; set; }

    public void Validate()
    {
        for (var i = 0; i < Agents.Count; i++)
        {
            var a = Agents[i];
            if (string.IsNullOrWhiteSpace(a.AgentId) || string.IsNullOrWhiteSpace(a.Host))
                throw new StartupException($"{Section}:Agents:{i}: AgentId and Host are required.");
            if (!AgentTokens.IsAcceptable(a.Token))
                throw new StartupException($"{Section}:Agents:{i}:Token: a token of at least {AgentTokens.MinimumLength} characters is required (agent '{a.AgentId}').");
        }
        var dupes = Agents.GroupBy(a => a.Token).Where(g => g.Count() > 1).Select(g => g.First().AgentId).ToList();
        if (dupes.Count > 0)
            throw new StartupException($"{Section}:Agents: two agents share a token ({string.Join(", ", dupes)}); give each agent its own.");
        Limits.Validate();
    }
}

public sealed class AgentCredential
{
    public string AgentId { get; set; } = "";
    public string Host { get; set; } = "";
    public string Token { get; set; } = "";
}

/// <summary>Limits on one batch. A batch over any of them is rejected whole with INVALID_ARGUMENT naming the limit.</summary>
public sealed class BatchLimits
{
    public int MaxBatchBytes { get; set; } = BatchLimitDefaults.MaxBatchBytes;
    public int MaxStrings { get; set; } = BatchLimitDefaults.MaxStrings;
    public int MaxStringLength { get; set; } = BatchLimitDefaults.MaxStringLength;
    public int MaxFramesPerStack { get; set; } = BatchLimitDefaults.MaxFramesPerStack;
    public int MaxStacks { get; set; } = BatchLimitDefaults.MaxStacks;
    public int MaxSamples { get; set; } = BatchLimitDefaults.MaxSamples;
    /// <summary>Longest window accepted.</summary>
    public TimeSpan MaxWindow { get; set; } = BatchLimitDefaults.MaxWindow;

    public void Validate()
    {
        if (MaxBatchBytes <= 0 || MaxStrings <= 0 || MaxStringLength <= 0 || MaxFramesPerStack <= 0 || MaxStacks <= 0 || MaxSamples <= 0 || MaxWindow <= TimeSpan.Zero)
            throw new StartupException($"{IngestOptions.Section}:Limits: every limit must be positive.");
        if (MaxBatchBytes > IngestLimits.TransportMaxMessageBytes)
            throw new StartupException($"{IngestOptions.Section}:Limits:MaxBatchBytes: at most {IngestLimits.TransportMaxMessageBytes}.");
    }
}

public static class IngestLimits
{
    /// <summary>gRPC's own cap on one message; larger ones end the stream with RESOURCE_EXHAUSTED before we see them.</summary>
    public const int TransportMaxMessageBytes = BatchLimitDefaults.TransportMaxMessageBytes;
}
