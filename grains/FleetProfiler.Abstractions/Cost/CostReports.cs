using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Abstractions.Cost;

/// <summary>An amount per basis.</summary>
[GenerateSerializer, Immutable]
public sealed record CostByBasis(
    [property: Id(0)] decimal Requests,
    [property: Id(1)] decimal Cpu,
    [property: Id(2)] decimal Alloc)
{
    /// <summary>The amount of one basis.</summary>
    public decimal this[CostBasis basis] => basis switch
    {
        CostBasis.Requests => Requests,
        CostBasis.Cpu => Cpu,
        CostBasis.Alloc => Alloc,
        _ => throw new ArgumentOutOfRangeException(nameof(basis)),
    };
}

/// <summary>A share (0..1) of the service's requests, CPU samples and allocated bytes.</summary>
[GenerateSerializer, Immutable]
public sealed record ShareByBasis(
    [property: Id(0)] double Requests,
    [property: Id(1)] double Cpu,
    [property: Id(2)] double Alloc)
{
    /// <summary>The share of one basis.</summary>
    public double this[CostBasis basis] => basis switch
    {
        CostBasis.Requests => Requests,
        CostBasis.Cpu => Cpu,
        CostBasis.Alloc => Alloc,
        _ => throw new ArgumentOutOfRangeException(nameof(basis)),
    };
}

/// <summary>Who owns an endpoint and how that was decided.</summary>
/// <param name="Team">The team, or <c>unowned</c>.</param>
/// <param name="Source"><c>explicit</c> (an endpoint → team entry), <c>codeowners</c> (the owner of the handler file) or <c>unowned</c>.</param>
/// <param name="Reason">One line: the entry, CODEOWNERS line or absence that decided.</param>
/// <param name="HandlerFile">The handler's repository-relative source file, when one has been seen.</param>
[GenerateSerializer, Immutable]
public sealed record EndpointOwnerInfo(
    [property: Id(0)] string Team,
    [property: Id(1)] string Source,
    [property: Id(2)] string Reason,
    [property: Id(3)] string? HandlerFile);

/// <summary>
/// One row of a cost report: an endpoint ("METHOD route") or a bracketed row, what it used over the range, its
/// shares, and its cost by each basis.
/// </summary>
/// <param name="Endpoint">"METHOD route", or a bracketed row (<c>[other routes]</c>, <c>[not in a request]</c>, …).</param>
/// <param name="Owner">Its owner (bracketed rows: unowned unless given an explicit entry).</param>
/// <param name="Requests">Requests that ended in the range (exact, every host).</param>
/// <param name="CpuSamples">CPU samples of the range's windows attributed to it.</param>
/// <param name="CpuSeconds">The CPU time those samples stand for, within the windows (not extrapolated).</param>
/// <param name="AllocBytes">Allocated bytes observed in the range's allocation windows.</param>
/// <param name="Share">Its share of the service's requests, CPU samples and allocated bytes.</param>
/// <param name="Usd">Its cost by each basis (exact).</param>
/// <param name="Cents">Its cost by each basis rounded to cents so that the rows add up to the report's total.</param>
/// <param name="RangeMinutes">Minutes of the report's range (the divisor of the per-minute cost).</param>
[GenerateSerializer, Immutable]
public sealed record EndpointCostRow(
    [property: Id(0)] string Endpoint,
    [property: Id(1)] EndpointOwnerInfo Owner,
    [property: Id(2)] long Requests,
    [property: Id(3)] long CpuSamples,
    [property: Id(4)] double CpuSeconds,
    [property: Id(5)] long AllocBytes,
    [property: Id(6)] ShareByBasis Share,
    [property: Id(7)] CostByBasis Usd,
    [property: Id(8)] CostByBasis Cents,
    [property: Id(9)] long RangeMinutes)
{
    /// <summary>Average cost per minute of the range by <paramref name="basis"/>.</summary>
    public decimal UsdPerMinute(CostBasis basis) => RangeMinutes <= 0 ? 0 : Usd[basis] / RangeMinutes;

    /// <summary>Cost per 1,000 requests by <paramref name="basis"/>; null when it served none.</summary>
    public decimal? UsdPerThousandRequests(CostBasis basis) => Requests <= 0 ? null : Usd[basis] / Requests * 1000;

    /// <summary>
    /// CPU share over request share: 1 = as CPU-hungry per request as the service's average, 3 = three times. Null
    /// without requests or CPU samples in the range. Unlike CPU-ms per request it does not depend on how much of the
    /// range windows covered. 0 for every row when no window lay in the range (see <see cref="ServiceCostReport.Windows"/>).
    /// </summary>
    public double? CpuIntensity => Share.Requests <= 0 ? null : Share.Cpu / Share.Requests;
}

/// <summary>A month's cost input as a report used it.</summary>
/// <param name="Month">YYYY-MM (UTC).</param>
/// <param name="Usd">USD entered for the month.</param>
/// <param name="InstanceHours">Instance-hours entered.</param>
/// <param name="UsdPerMinute">USD over the month's minutes: what each minute of it costs.</param>
/// <param name="UsdPerInstanceHour">USD per instance-hour; null when no instance-hours were entered.</param>
[GenerateSerializer, Immutable]
public sealed record MonthRate(
    [property: Id(0)] string Month,
    [property: Id(1)] decimal Usd,
    [property: Id(2)] decimal InstanceHours,
    [property: Id(3)] decimal UsdPerMinute,
    [property: Id(4)] decimal? UsdPerInstanceHour);

/// <summary>A repository-relative file seen in the service's profile over the range, and its CODEOWNERS owner.</summary>
[GenerateSerializer, Immutable]
public sealed record OwnedFile(
    [property: Id(0)] string Path,
    [property: Id(1)] string Team);

/// <summary>
/// A service's endpoint costs over <see cref="Range"/> (whole UTC minutes). Rows by all three bases side by side;
/// <see cref="NotInRequest"/>, <see cref="NotAttributed"/> and <see cref="NoData"/> keep what no endpoint is charged
/// visible, so that every basis adds up to <see cref="TotalUsd"/>.
/// </summary>
/// <param name="Service">The service.</param>
/// <param name="Range">The range, widened to whole UTC minutes.</param>
/// <param name="Minutes">Minutes in the range.</param>
/// <param name="TotalUsd">The cost of the range: each minute at its month's rate (months without input add nothing).</param>
/// <param name="TotalCents">The total rounded to cents; each basis's rows' <see cref="EndpointCostRow.Cents"/> add up to it.</param>
/// <param name="Months">The cost input of the months the range touches.</param>
/// <param name="MonthsWithoutInput">Months the range touches with no cost input (YYYY-MM): their minutes are charged nothing.</param>
/// <param name="Windows">Profiling windows behind the CPU and allocation shares.</param>
/// <param name="Truncated">True when more raw windows lay in the range than were read (the shares then miss some).</param>
/// <param name="Endpoints">Endpoint rows, costliest by request share first; at most 1,000, the rest folded into <c>[other endpoints]</c>.</param>
/// <param name="NotInRequest">Samples taken outside any request: CPU and allocation cost no endpoint carries.</param>
/// <param name="NotAttributed">Samples of windows the agent did not attribute to requests.</param>
/// <param name="NoData">Per basis, the cost of time with nothing to divide it by (no requests, or no window that day).</param>
/// <param name="FoldedEndpoints">Endpoints folded into <c>[other endpoints]</c> by the row cap.</param>
/// <param name="MinutesWithRequests">Minutes of the range with request data (route minutes are kept 48 h by default).</param>
/// <param name="Files">Own-code files seen in the range's windows with their owners, most samples first; at most 2,000.</param>
/// <param name="Attributions">The <see cref="Windows"/> by attribution method (null from a silo of an older version).</param>
[GenerateSerializer, Immutable]
public sealed record ServiceCostReport(
    [property: Id(0)] string Service,
    [property: Id(1)] TimeRange Range,
    [property: Id(2)] long Minutes,
    [property: Id(3)] decimal TotalUsd,
    [property: Id(4)] decimal TotalCents,
    [property: Id(5)] IReadOnlyList<MonthRate> Months,
    [property: Id(6)] IReadOnlyList<string> MonthsWithoutInput,
    [property: Id(7)] int Windows,
    [property: Id(8)] bool Truncated,
    [property: Id(9)] IReadOnlyList<EndpointCostRow> Endpoints,
    [property: Id(10)] EndpointCostRow NotInRequest,
    [property: Id(11)] EndpointCostRow NotAttributed,
    [property: Id(12)] EndpointCostRow NoData,
    [property: Id(13)] int FoldedEndpoints,
    [property: Id(14)] int MinutesWithRequests,
    [property: Id(15)] IReadOnlyList<OwnedFile> Files,
    [property: Id(16)] WindowAttributions? Attributions = null)
{
    /// <summary>Endpoint rows at most; the rest fold into <see cref="OtherEndpoints"/>.</summary>
    public const int MaxEndpoints = 1_000;

    /// <summary>The row endpoints over <see cref="MaxEndpoints"/> fold into.</summary>
    public const string OtherEndpoints = "[other endpoints]";

    /// <summary>Files listed at most.</summary>
    public const int MaxFiles = 2_000;

    /// <summary>The endpoints costliest first by <paramref name="basis"/> (ties: most requests, then name).</summary>
    public IReadOnlyList<EndpointCostRow> By(CostBasis basis) =>
        [.. Endpoints.OrderByDescending(e => e.Usd[basis]).ThenByDescending(e => e.Requests).ThenBy(e => e.Endpoint, StringComparer.Ordinal)];
}

/// <summary>One endpoint of a team in a team report.</summary>
[GenerateSerializer, Immutable]
public sealed record TeamEndpoint(
    [property: Id(0)] string Service,
    [property: Id(1)] EndpointCostRow Row);

/// <summary>
/// A team's endpoints and files over <see cref="Range"/>, its total and average endpoint cost by <see cref="Basis"/>,
/// its costliest endpoints first.
/// </summary>
/// <param name="Team">The team.</param>
/// <param name="Range">The range (whole UTC minutes).</param>
/// <param name="Basis">The basis of every amount.</param>
/// <param name="Windows">Profiling windows behind the CPU and allocation shares, over the team's services.</param>
/// <param name="Services">The services the team owns endpoints or files in over the range.</param>
/// <param name="EndpointCount">Endpoints the team owns (idle ones included).</param>
/// <param name="TotalUsd">Their cost.</param>
/// <param name="AverageUsd">Their cost per endpoint (0 without endpoints).</param>
/// <param name="Endpoints">The costliest <c>top</c> endpoints, costliest first.</param>
/// <param name="Files">Files the team owns among those seen, per service; at most 2,000.</param>
/// <param name="MonthsWithoutInput">Months of the range some service has no cost input for ("service YYYY-MM").</param>
[GenerateSerializer, Immutable]
public sealed record TeamCostReport(
    [property: Id(0)] string Team,
    [property: Id(1)] TimeRange Range,
    [property: Id(2)] CostBasis Basis,
    [property: Id(3)] int Windows,
    [property: Id(4)] IReadOnlyList<string> Services,
    [property: Id(5)] int EndpointCount,
    [property: Id(6)] decimal TotalUsd,
    [property: Id(7)] decimal AverageUsd,
    [property: Id(8)] IReadOnlyList<TeamEndpoint> Endpoints,
    [property: Id(9)] IReadOnlyList<TeamFile> Files,
    [property: Id(10)] IReadOnlyList<string> MonthsWithoutInput);

/// <summary>A file a team owns in a service.</summary>
[GenerateSerializer, Immutable]
public sealed record TeamFile(
    [property: Id(0)] string Service,
    [property: Id(1)] string Path);

/// <summary>The classic team roll-up over service cost reports.</summary>
public static class TeamRollup
{
    /// <summary>
    /// <paramref name="team"/>'s endpoints (rows whose owner is the team, bracketed rows included when explicitly
    /// owned) and files in <paramref name="reports"/>: total and average cost by <paramref name="basis"/>, the
    /// <paramref name="top"/> costliest endpoints first, at most <see cref="ServiceCostReport.MaxFiles"/> files.
    /// </summary>
    public static TeamCostReport Of(string team, TimeRange range, CostBasis basis, int top, IEnumerable<ServiceCostReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var endpoints = new List<TeamEndpoint>();
        var files = new List<TeamFile>();
        var services = new SortedSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        var windows = 0;
        foreach (var r in reports)
        {
            // The bracketed rows count only when someone explicitly owns them (not as "unowned" endpoints).
            var pseudo = new[] { r.NotInRequest, r.NotAttributed }.Where(e => e.Owner.Source == "explicit");
            var mine = r.Endpoints.Concat(pseudo).Where(e => e.Owner.Team == team).ToList();
            var owned = r.Files.Where(f => f.Team == team).ToList();
            if (mine.Count == 0 && owned.Count == 0) continue;
            services.Add(r.Service);
            windows += r.Windows;
            endpoints.AddRange(mine.Select(e => new TeamEndpoint(r.Service, e)));
            files.AddRange(owned.Take(ServiceCostReport.MaxFiles - files.Count).Select(f => new TeamFile(r.Service, f.Path)));
            if (mine.Count > 0) missing.AddRange(r.MonthsWithoutInput.Select(m => $"{r.Service} {m}"));
        }
        var total = endpoints.Sum(e => e.Row.Usd[basis]);
        var ranked = endpoints.OrderByDescending(e => e.Row.Usd[basis]).ThenByDescending(e => e.Row.Requests)
            .ThenBy(e => e.Service, StringComparer.Ordinal).ThenBy(e => e.Row.Endpoint, StringComparer.Ordinal).Take(top).ToList();
        return new TeamCostReport(team, range, basis, windows, [.. services], endpoints.Count, total,
            endpoints.Count == 0 ? 0 : total / endpoints.Count, ranked, files, missing);
    }
}
