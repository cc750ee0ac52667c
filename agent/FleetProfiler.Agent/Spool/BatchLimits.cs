using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.Spool;

/// <summary>
/// The gateway's per-batch limits (docs/protocol.md, "Limits"). The agent builds batches within them so the gateway
/// never has to reject one: it truncates over-long strings and over-deep stacks and splits over-large windows.
/// </summary>
public sealed record BatchLimits(
    int MaxBatchBytes,
    int MaxStrings,
    int MaxStringLength,
    int MaxFramesPerStack,
    int MaxStacks,
    int MaxSamples)
{
    /// <summary>The protocol's defaults, assumed until a Welcome says otherwise.</summary>
    public static readonly BatchLimits ProtocolDefaults = new(
        BatchLimitDefaults.MaxBatchBytes, BatchLimitDefaults.MaxStrings, BatchLimitDefaults.MaxStringLength,
        BatchLimitDefaults.MaxFramesPerStack, BatchLimitDefaults.MaxStacks, BatchLimitDefaults.MaxSamples);

    /// <summary>Room left for the fields the spool sets after a batch is built (sequence, dropped_windows).</summary>
    public const int HeaderReserve = 32;

    /// <summary>The Welcome's limits; a zero (unset) field keeps our current value.</summary>
    public BatchLimits With(Limits announced) => new(
        Pick(announced.MaxBatchBytes, MaxBatchBytes),
        Pick(announced.MaxStrings, MaxStrings),
        Pick(announced.MaxStringLength, MaxStringLength),
        Pick(announced.MaxFramesPerStack, MaxFramesPerStack),
        Pick(announced.MaxStacks, MaxStacks),
        Pick(announced.MaxSamples, MaxSamples));

    private static int Pick(int announced, int current) => announced > 0 ? announced : current;
}

/// <summary>The limits in force: the configured ones until the gateway's Welcome replaces them. Thread-safe.</summary>
public sealed class GatewayLimits(BatchLimits initial)
{
    private volatile BatchLimits _current = initial;

    public BatchLimits Current => _current;

    public void Update(BatchLimits limits) => _current = limits;
}
