namespace FleetProfiler.Grains.Storage;

/// <summary>
/// Where profile windows live beside grain state: SQLite in single-node mode, PostgreSQL in cluster mode.
/// Windows are append-only and keyed by (agent, sequence), which is what makes delivery exactly-once.
/// </summary>
public interface IProfileStore
{
    /// <summary>Stores a window unless one with the same agent and sequence is stored; false for such a duplicate.</summary>
    Task<bool> TryAddWindowAsync(StoredWindow window, CancellationToken ct = default);

    /// <summary>Windows of a service (or one host of it) that overlap [from, to), oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StoredWindow>> ReadWindowsAsync(string service, string? host, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default);
}

/// <summary>One profile window of one process as stored: metadata and the encoded call tree.</summary>
public sealed record StoredWindow(
    string Service,
    string Host,
    string AgentId,
    long Sequence,
    int ProcessId,
    string ProcessName,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Kinds,
    double SamplingIntervalMs,
    byte[] Tree);
