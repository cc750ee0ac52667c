namespace FleetProfiler.Abstractions.Profiles;

/// <summary>
/// Reads and merges stored profile windows. A stateless worker: any silo answers, so queries never queue
/// behind a host's or service's ingest.
/// </summary>
public interface IProfileQueryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The windows of a service, or of one of its hosts when <paramref name="host"/> is set, that overlap the range, merged.
    /// At most <paramref name="maxWindows"/> windows are read (oldest first); <see cref="MergedProfile.Truncated"/> says so.
    /// </summary>
    Task<MergedProfile> GetProfileAsync(string service, string? host, TimeRange range, int maxWindows);

    /// <summary>
    /// The in-use snapshot of a range (kind <c>inuse</c>, a gauge): per (host, process id) the newest window in the
    /// range with in-use values, summed over processes. When the range has no such raw window (expired), the rolled-up
    /// peaks. <see cref="MergedProfile.Note"/> says which, and that objects allocated before a window are not seen.
    /// </summary>
    Task<MergedProfile> GetInuseSnapshotAsync(string service, string? host, TimeRange range, int maxWindows);

    /// <summary>
    /// The paths the PDBs named for repository-relative <paramref name="paths"/> of a service (the latest seen);
    /// paths never reported with a different original are absent.
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> GetOriginalPathsAsync(string service, IReadOnlyList<string> paths);

    /// <summary>
    /// The endpoints of a service with requests that ended in the range (whole UTC minutes: the range is widened to
    /// them), every host added up; with <paramref name="perMinute"/> also the per-minute rows.
    /// </summary>
    Task<Endpoints.EndpointReport> GetEndpointsAsync(string service, TimeRange range, bool perMinute);

    /// <summary>
    /// The raw windows of one service version (see <see cref="ServiceVersionInfo"/>) of a service, or of one host, that
    /// start in the range, merged; with <paramref name="endpoint"/> only that endpoint's stacks. Versions label whole
    /// windows and are kept on raw windows only, so the range reaches back at most the raw windows' retention.
    /// </summary>
    Task<MergedProfile> GetVersionProfileAsync(string service, string? host, string? endpoint, string version, TimeRange range, int maxWindows);

    /// <summary>The service versions of a service's (or one host's) stored raw windows, newest first, at most <paramref name="limit"/>.</summary>
    Task<ServiceVersionList> GetVersionsAsync(string service, string? host, int limit);

    /// <summary>
    /// Sample volume of a service (or one host; with <paramref name="endpoint"/>, of that endpoint's stacks) per
    /// <paramref name="step"/> over the range, read from the coarsest stored level no coarser than the step.
    /// </summary>
    Task<ProfileTimeline> GetTimelineAsync(string service, string? host, string? endpoint, TimeRange range, TimeSpan step, int maxWindows);
}
