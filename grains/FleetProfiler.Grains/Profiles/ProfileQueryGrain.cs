using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Grains.Endpoints;
using FleetProfiler.Profiles;
using Orleans.Concurrency;

namespace FleetProfiler.Grains.Profiles;

/// <summary>Answers profile queries from the coarsest stored data (see <see cref="QueryPlan"/>); any silo can run it.</summary>
[StatelessWorker]
public sealed class ProfileQueryGrain(ProfileReader reader, Storage.IProfileStore store) : Grain, IProfileQueryGrain
{
    /// <summary>Paths one call may ask about.</summary>
    public const int MaxPaths = 1000;

    public async Task<IReadOnlyDictionary<string, string>> GetOriginalPathsAsync(string service, IReadOnlyList<string> paths)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (paths.Count > MaxPaths) throw new ArgumentException($"at most {MaxPaths} paths per call", nameof(paths));
        return paths.Count == 0 ? new Dictionary<string, string>() : await Task.Run(() => store.ReadOriginalPathsAsync(service, paths));
    }

    public async Task<EndpointReport> GetEndpointsAsync(string service, TimeRange range, bool perMinute)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        var minutes = EndpointSummaries.WholeMinutes(range);
        var rows = await Task.Run(() => store.ReadRouteMinutesAsync(service, minutes.From, minutes.To));
        return new EndpointReport(minutes, EndpointSummaries.Summarize(rows), perMinute ? rows : [], EndpointSummaries.MinutesWithRequests(rows));
    }

    public async Task<MergedProfile> GetInuseSnapshotAsync(string service, string? host, TimeRange range, int maxWindows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        if (maxWindows <= 0) throw new ArgumentOutOfRangeException(nameof(maxWindows), "must be positive");
        return await Task.Run(() => InuseSnapshot.ReadAsync(store, reader, service, host, range, maxWindows));
    }

    public Task<ProfileTimeline> GetTimelineAsync(string service, string? host, string? endpoint, TimeRange range, TimeSpan step, int maxWindows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        if (maxWindows <= 0) throw new ArgumentOutOfRangeException(nameof(maxWindows), "must be positive");
        return Task.Run(() => reader.ReadTimelineAsync(service, host, endpoint, range.From, range.To, step, maxWindows));
    }

    /// <summary>Versions one call lists at most.</summary>
    public const int MaxVersions = 100;

    public async Task<MergedProfile> GetVersionProfileAsync(string service, string? host, string? endpoint, string version, TimeRange range, int maxWindows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentException.ThrowIfNullOrEmpty(version);
        if (ServiceVersionNames.Check(version) is { } why) throw new ArgumentException($"version: {why}", nameof(version));
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        if (maxWindows <= 0) throw new ArgumentOutOfRangeException(nameof(maxWindows), "must be positive");
        var read = await Task.Run(() => reader.ReadVersionAsync(service, host, endpoint, version, range.From, range.To, maxWindows));
        var merged = read.ToMerged();
        return merged with { Note = $"version {version}: {read.Windows} raw window(s); versions are kept on raw windows only (Profiles:WindowRetention)" };
    }

    public async Task<ServiceVersionList> GetVersionsAsync(string service, string? host, int limit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (limit is <= 0 or > MaxVersions) throw new ArgumentOutOfRangeException(nameof(limit), $"between 1 and {MaxVersions}");
        return await Task.Run(() => store.ReadVersionsAsync(service, host, limit));
    }

    public async Task<MergedProfile> GetProfileAsync(string service, string? host, TimeRange range, int maxWindows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        if (maxWindows <= 0) throw new ArgumentOutOfRangeException(nameof(maxWindows), "must be positive");
        // Off the grain scheduler: decoding and merging are CPU-bound and SQLite reads are synchronous underneath.
        var read = await Task.Run(() => reader.ReadAsync(service, host, range.From, range.To, maxWindows));
        return read.ToMerged();
    }
}
