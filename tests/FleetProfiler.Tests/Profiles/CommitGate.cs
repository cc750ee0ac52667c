using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Grains.Storage;

namespace FleetProfiler.Tests.Profiles;

/// <summary>
/// The real store, except that a rollup commit waits at a gate: a test parks one rollup just before its commit, runs
/// another rollup to its end, then lets the first one commit — the interleaving of a duplicate activation, every time.
/// </summary>
public sealed class CommitGate(IProfileStore inner) : IProfileStore
{
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first commit reaches the gate.</summary>
    public Task Arrived => _arrived.Task;

    public void Open() => _open.TrySetResult();

    public async Task<long?> CommitRollupAsync(RollupCommit commit, CancellationToken ct = default)
    {
        _arrived.TrySetResult();
        await _open.Task.WaitAsync(TestTimeouts.Step, ct);
        return await inner.CommitRollupAsync(commit, ct);
    }

    public Task<bool> TryAddWindowAsync(StoredWindow window, CancellationToken ct = default) => inner.TryAddWindowAsync(window, ct);
    public Task<IReadOnlyList<StoredWindow>> ReadWindowsAsync(string service, string? host, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default) => inner.ReadWindowsAsync(service, host, from, to, limit, ct);
    public Task<IReadOnlyList<StoredWindow>> ReadUncompactedAsync(int limit, CancellationToken ct = default) => inner.ReadUncompactedAsync(limit, ct);
    public Task<IReadOnlyList<StoredBucket>> ReadBucketsAsync(BucketLevel level, string service, string host, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) => inner.ReadBucketsAsync(level, service, host, from, to, ct);
    public Task<RangeRead> ReadRangeAsync(string service, string? host, IReadOnlyList<RangePart> parts, int maxWindows, CancellationToken ct = default) => inner.ReadRangeAsync(service, host, parts, maxWindows, ct);
    public Task<long> GetWatermarkAsync(CancellationToken ct = default) => inner.GetWatermarkAsync(ct);
    public Task<long> CountQuarantinedAsync(CancellationToken ct = default) => inner.CountQuarantinedAsync(ct);
    public Task<bool> TryAddRouteMinutesAsync(string service, string host, string agentId, long sequence, IReadOnlyList<RouteMinute> rows, CancellationToken ct = default) => inner.TryAddRouteMinutesAsync(service, host, agentId, sequence, rows, ct);
    public Task<IReadOnlyList<RouteMinute>> ReadRouteMinutesAsync(string service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) => inner.ReadRouteMinutesAsync(service, from, to, ct);
    public Task<IReadOnlyDictionary<string, string>> ReadOriginalPathsAsync(string service, IReadOnlyList<string> paths, CancellationToken ct = default) => inner.ReadOriginalPathsAsync(service, paths, ct);
    public Task<IReadOnlyList<(string Method, string Note, int Windows)>> CountAttributionsAsync(string service, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default) => inner.CountAttributionsAsync(service, from, to, limit, ct);
    public Task<RangeRead> ReadVersionWindowsAsync(string service, string? host, string version, DateTimeOffset from, DateTimeOffset to, int maxWindows, CancellationToken ct = default) => inner.ReadVersionWindowsAsync(service, host, version, from, to, maxWindows, ct);
    public Task<Abstractions.Profiles.ServiceVersionList> ReadVersionsAsync(string service, string? host, int limit, CancellationToken ct = default) => inner.ReadVersionsAsync(service, host, limit, ct);
    public Task<int> DeleteExpiredAsync(DateTimeOffset windowsBefore, DateTimeOffset minutesBefore, DateTimeOffset hoursBefore, DateTimeOffset daysBefore, CancellationToken ct = default) => inner.DeleteExpiredAsync(windowsBefore, minutesBefore, hoursBefore, daysBefore, ct);
}
