namespace FleetProfiler.Protocol;

/// <summary>
/// The protocol's per-batch limits (docs/protocol.md, "Limits"): the gateway's defaults, and what an agent assumes
/// until the gateway's Welcome announces the limits in force. A gateway may configure other values.
/// </summary>
public static class BatchLimitDefaults
{
    public const int MaxBatchBytes = 4 * 1024 * 1024;
    public const int MaxStrings = 200_000;
    public const int MaxStringLength = 4096;
    public const int MaxFramesPerStack = 1024;
    public const int MaxStacks = 200_000;
    public const int MaxSamples = 400_000;

    /// <summary>
    /// Most one stream's interning dictionary may hold, in dictionary bytes (<see cref="StreamDictionaryCost"/>; about the
    /// gateway's memory for it). The agent starts a new dictionary before passing it (docs/protocol.md, "Stream interning").
    /// </summary>
    public const long MaxDictionaryBytes = 4L * 1024 * 1024;

    /// <summary>Route rows (<c>route_minutes</c>) in one batch.</summary>
    public const int MaxRouteMinutes = 20_000;

    /// <summary>Distinct route templates of one service in one minute of one batch (the agent's cap must stay within it).</summary>
    public const int MaxRoutesPerMinute = 1000;

    /// <summary>Longest <c>http.request.method</c> (the runtime reports known methods or "_OTHER").</summary>
    public const int MaxMethodLength = 32;

    /// <summary>Longest window a gateway accepts by default.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromMinutes(10);

    /// <summary>gRPC's own cap on one message (both ends): larger ones end the stream with RESOURCE_EXHAUSTED.</summary>
    public const int TransportMaxMessageBytes = 16 * 1024 * 1024;
}
