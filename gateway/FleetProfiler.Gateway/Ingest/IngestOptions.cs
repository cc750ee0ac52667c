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

    /// <summary>Agent streams one agent id may hold open at once; one more is refused (RESOURCE_EXHAUSTED) after its hello.</summary>
    public int MaxStreamsPerAgent { get; set; } = 4;

    /// <summary>Agent streams this gateway serves at once; one more is refused (RESOURCE_EXHAUSTED) before its hello is read.</summary>
    public int MaxStreams { get; set; } = 10_000;

    /// <summary>
    /// Batches this gateway applies at once, over all streams (<see cref="IngestAdmission"/>): a batch is expanded,
    /// translated and stored only with a slot, so the memory of batches in flight is bounded by this count (each at most
    /// a self-contained window of max_batch_bytes and its call tree) however far the silos fall behind. Over it a stream
    /// waits for a slot and reads nothing more meanwhile: the agents' writes stop (HTTP/2 flow control) and their
    /// batches wait in their spools. Enough to keep a silo's cores busy; the ack latency grows instead of the memory.
    /// </summary>
    public int MaxBatchesInFlight { get; set; } = 64;

    /// <summary>
    /// Fault injection for crash tests, never for production: the batch with this sequence is applied (durably stored)
    /// and its ack is not sent, so a test can kill the platform between the two deterministically.
    /// </summary>
    public ulong? WithholdAckOfSequence { get; set; }

    /// <summary>
    /// Fault injection for tests, never for production: applying the batch with this sequence throws after it passed
    /// validation, as a bug its content reached would, so a test sees that exception become the batch's rejection.
    /// </summary>
    public ulong? FailApplyOfSequence { get; set; }

    /// <summary>
    /// Fault injection for tests, never for production: the first batch admitted keeps its slot (applied only then)
    /// until this many other batches wait for one, so a test sees <see cref="MaxBatchesInFlight"/> hold deterministically.
    /// </summary>
    public int? HoldFirstAdmissionUntilWaiting { get; set; }

    public void Validate()
    {
        if (MaxHelloServices <= 0) throw new StartupException($"{Section}:MaxHelloServices must be positive.");
        if (HelloTimeout <= TimeSpan.Zero) throw new StartupException($"{Section}:HelloTimeout must be positive.");
        if (MaxStreamsPerAgent <= 0 || MaxStreams <= 0) throw new StartupException($"{Section}:MaxStreamsPerAgent and MaxStreams must be positive.");
        if (MaxBatchesInFlight <= 0) throw new StartupException($"{Section}:MaxBatchesInFlight must be positive.");
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

    /// <summary>Most one stream's interning dictionary may hold (docs/protocol.md, "Stream interning"); 0 turns interning off.</summary>
    public long MaxDictionaryBytes { get; set; } = BatchLimitDefaults.MaxDictionaryBytes;
    /// <summary>Longest window accepted.</summary>
    public TimeSpan MaxWindow { get; set; } = BatchLimitDefaults.MaxWindow;

    /// <summary>Oldest window accepted (its start): the raw-window retention (FleetProfiler:Profiles:WindowRetention), past which it would be deleted unread.</summary>
    public TimeSpan MaxWindowAge { get; set; } = TimeSpan.FromHours(48);

    /// <summary>How far a window's end may lie after the gateway's clock (agent clocks drift).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Most a batch's samples may add up to in any one value (cpu, wall, alloc bytes and count, in-use): 2⁴⁷, about
    /// 1.4·10¹⁴ (140 TB allocated in one window), so 65,536 maximal windows still sum without overflowing a long.
    /// </summary>
    public long MaxValueSum { get; set; } = 1L << 47;

    /// <summary>Most call-tree nodes (distinct stack paths) one window may translate to; a larger window is rejected.</summary>
    public int MaxWindowNodes { get; set; } = 1_000_000;

    public void Validate()
    {
        if (MaxBatchBytes <= 0 || MaxStrings <= 0 || MaxStringLength <= 0 || MaxFramesPerStack <= 0 || MaxStacks <= 0 || MaxSamples <= 0 || MaxWindow <= TimeSpan.Zero
            || MaxWindowAge <= TimeSpan.Zero || MaxClockSkew < TimeSpan.Zero || MaxValueSum <= 0 || MaxWindowNodes <= 0 || MaxDictionaryBytes < 0)
        {
            throw new StartupException($"{IngestOptions.Section}:Limits: every limit must be positive (MaxDictionaryBytes: 0 turns interning off).");
        }

        if (MaxBatchBytes > IngestLimits.TransportMaxMessageBytes)
            throw new StartupException($"{IngestOptions.Section}:Limits:MaxBatchBytes: at most {IngestLimits.TransportMaxMessageBytes}.");
    }
}

public static class IngestLimits
{
    /// <summary>gRPC's own cap on one message; larger ones end the stream with RESOURCE_EXHAUSTED before we see them.</summary>
    public const int TransportMaxMessageBytes = BatchLimitDefaults.TransportMaxMessageBytes;
}
