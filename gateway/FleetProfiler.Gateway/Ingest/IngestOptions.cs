namespace FleetProfiler.Gateway.Ingest;

/// <summary>Batch limits, bound from <c>FleetProfiler:Ingest</c>. Agent credentials are API keys (<c>FleetProfiler:Auth</c>).</summary>
public sealed class IngestOptions
{
    public const string Section = "FleetProfiler:Ingest";

    public BatchLimits Limits { get; set; } = new();

    /// <summary>Most services one hello may name; a larger hello is refused (RESOURCE_EXHAUSTED) before anything is attached.</summary>
    public int MaxHelloServices { get; set; } = 1000;

    /// <summary>How long a new stream may take to send its hello; a silent stream is ended (DEADLINE_EXCEEDED) instead of held open.</summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Fault injection for crash tests, never for production: the batch with this sequence is applied (durably stored)
    /// and its ack is not sent, so a test can kill the platform between the two deterministically.
    /// </summary>
    public ulong? WithholdAckOfSequence { get; set; }

    public void Validate()
    {
        if (MaxHelloServices <= 0) throw new StartupException($"{Section}:MaxHelloServices must be positive.");
        if (HelloTimeout <= TimeSpan.Zero) throw new StartupException($"{Section}:HelloTimeout must be positive.");
        Limits.Validate();
    }
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
