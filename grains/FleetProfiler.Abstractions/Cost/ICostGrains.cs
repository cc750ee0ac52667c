using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Abstractions.Cost;

/// <summary>
/// The cost of a service's endpoints, keyed by the service name. A stateless worker (any silo answers): it reads the
/// service's monthly cost, CODEOWNERS file and explicit endpoint owners from <c>IServiceGrain</c>, requests per
/// minute from the route minutes and CPU and allocation figures from the profile store, and computes the table.
/// </summary>
public interface IServiceCostGrain : IGrainWithStringKey
{
    /// <summary>Longest range one report covers.</summary>
    const int MaxRangeDays = 92;

    /// <summary>
    /// The cost table of the service's endpoints over <paramref name="range"/> (widened to whole UTC minutes), by
    /// request, CPU and allocation share side by side, with each endpoint's owner. Each minute pays its own month's
    /// rate; a month with no cost input charges nothing and is named in <see cref="ServiceCostReport.MonthsWithoutInput"/>.
    /// Teams named in the report learn that they own something in the service (<see cref="ITeamGrain.AddServiceAsync"/>).
    /// </summary>
    /// <exception cref="ArgumentException">An empty or inverted range, or one longer than <see cref="MaxRangeDays"/> days.</exception>
    Task<ServiceCostReport> GetEndpointCostsAsync(TimeRange range);
}

/// <summary>
/// One team (keyed by its name as CODEOWNERS writes it: <c>@org/team</c>, <c>@user</c> or an e-mail address; or
/// <c>unowned</c>): the services it owns endpoints or files in, and its cost over a range.
/// </summary>
public interface ITeamGrain : IGrainWithStringKey
{
    /// <summary>Services a team is listed in at most; beyond it new services are refused with a log line.</summary>
    const int MaxServices = 1_000;

    /// <summary>Notes that the team owns something in <paramref name="service"/> (idempotent).</summary>
    Task AddServiceAsync(string service);

    /// <summary>The services the team has been named in, sorted.</summary>
    Task<IReadOnlyList<string>> GetServicesAsync();

    /// <summary>
    /// The team's endpoints and files over <paramref name="range"/> in every service it is named in, with its total and
    /// average endpoint cost by <paramref name="basis"/> (the classic roll-up: idle endpoints count in the average) and
    /// its <paramref name="top"/> costliest endpoints first (1–1000).
    /// </summary>
    /// <exception cref="ArgumentException">A bad range (see <see cref="IServiceCostGrain.GetEndpointCostsAsync"/>) or <paramref name="top"/> out of range.</exception>
    Task<TeamCostReport> GetCostsAsync(TimeRange range, CostBasis basis, int top);
}

/// <summary>What a service's cost is divided over its endpoints by.</summary>
public enum CostBasis
{
    /// <summary>Each minute by the endpoints' shares of that minute's requests (the classic method).</summary>
    Requests = 0,

    /// <summary>Each UTC day by the endpoints' shares of the CPU samples of that day's profiling windows.</summary>
    Cpu = 1,

    /// <summary>Each UTC day by the endpoints' shares of the allocated bytes of that day's allocation windows.</summary>
    Alloc = 2,
}
