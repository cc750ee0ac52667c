using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Abstractions.Endpoints;

/// <summary>
/// One endpoint of one service, keyed <c>service/METHOD route</c> (see <see cref="EndpointKey"/>; also
/// <see cref="EndpointNames.NotInRequest"/> and <see cref="EndpointNames.NotAttributed"/>). It keeps no state of its
/// own: requests come from the agents' route minutes, CPU, wall and allocation figures from the profile store, where
/// each window keeps its samples under one root per endpoint. Any silo answers (a stateless worker).
/// </summary>
public interface IEndpointGrain : IGrainWithStringKey
{
    /// <summary>
    /// The endpoint's usage over <paramref name="range"/>, one row per period: the finest bucket the store still
    /// holds for each part of the range (minutes for ranges under six hours, else hours, days past the hours'
    /// retention; ragged edges as a period of their own). Each period also carries the whole service's figures, so
    /// shares need no second call.
    /// </summary>
    /// <exception cref="ArgumentException">An empty or inverted range, or one that needs more than <see cref="EndpointUsage.MaxPeriods"/> periods.</exception>
    Task<EndpointUsage> GetUsageAsync(TimeRange range);

    /// <summary>
    /// The endpoint's own profile over <paramref name="range"/>: the stacks under its root, merged (the flamegraph of
    /// this endpoint), from the same buckets and windows as the service's profile; <see cref="MergedProfile.Windows"/>
    /// counts the service's windows read. An endpoint with no samples in the range gives an empty tree.
    /// </summary>
    /// <param name="range">The time range.</param>
    /// <param name="host">Only this host's windows; null for every host of the service.</param>
    /// <param name="maxWindows">Raw windows read at most (<see cref="MergedProfile.Truncated"/> says when more existed).</param>
    Task<MergedProfile> GetProfileAsync(TimeRange range, string? host, int maxWindows);
}

/// <summary>
/// The endpoints of one service, keyed by the service name: every endpoint's usage totals over a range, in one read.
/// A stateless worker; any silo answers.
/// </summary>
public interface IServiceEndpointsGrain : IGrainWithStringKey
{
    /// <summary>
    /// Usage totals over <paramref name="range"/> of every endpoint that had requests or samples in it, including
    /// <see cref="EndpointNames.NotInRequest"/> and <see cref="EndpointNames.NotAttributed"/> rows, and the whole
    /// service's totals (the sum of the rows' samples), so that shares can be computed; with the service's figures
    /// per period (as in <see cref="IEndpointGrain.GetUsageAsync"/>).
    /// </summary>
    /// <exception cref="ArgumentException">An empty or inverted range, or one that needs more than <see cref="EndpointUsage.MaxPeriods"/> periods.</exception>
    Task<ServiceEndpointUsage> GetUsageAsync(TimeRange range);
}
