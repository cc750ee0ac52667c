using FleetProfiler.Abstractions.Cost;
using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Grains.Profiles;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Cost;
using FleetProfiler.Profiles.Ownership;
using Orleans.Concurrency;
using DomainUsage = FleetProfiler.Profiles.Cost.EndpointUsage;

namespace FleetProfiler.Grains.Cost;

/// <summary>
/// Computes a service's endpoint cost table: requests per minute from the route minutes, CPU and allocation figures
/// per UTC day from the endpoint usage reads, handler files from the range's profile (remembered in the service
/// grain for ranges without windows), owners from explicit entries and CODEOWNERS. The arithmetic is
/// <see cref="EndpointCosts"/>'; this grain only gathers and translates.
/// </summary>
[StatelessWorker]
public sealed class ServiceCostGrain(ProfileReader reader) : Grain, IServiceCostGrain
{
    /// <summary>Raw windows the handler-file read merges at most (as a profile query).</summary>
    internal const int MaxWindows = 50_000;

    /// <summary>Day slices read at once.</summary>
    private const int Parallelism = 4;

    public async Task<ServiceCostReport> GetEndpointCostsAsync(TimeRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        var (start, end) = CostSplit.WholeMinutes(range.From, range.To);
        if (end - start > TimeSpan.FromDays(IServiceCostGrain.MaxRangeDays))
            throw new ArgumentException($"the range is longer than {IServiceCostGrain.MaxRangeDays} days; ask for a shorter one", nameof(range));
        var service = this.GetPrimaryKeyString();
        var owner = GrainFactory.GetGrain<IServiceGrain>(service);
        var whole = new TimeRange(start, end);

        var costsCall = owner.GetMonthlyCostsAsync();
        var codeOwnersCall = owner.GetCodeOwnersAsync();
        var explicitCall = owner.GetEndpointOwnersAsync();
        var rememberedCall = owner.GetHandlerFilesAsync();
        var requestsCall = GrainFactory.GetGrain<IProfileQueryGrain>(0).GetEndpointsAsync(service, whole, perMinute: true);
        var profileCall = Task.Run(() => reader.ReadAsync(service, null, start, end, MaxWindows, keepEndpoints: true));
        var days = new List<ServiceEndpointUsage>();
        foreach (var chunk in DaySlices(start, end).Chunk(Parallelism))
            days.AddRange(await Task.WhenAll(chunk.Select(d => GrainFactory.GetGrain<IServiceEndpointsGrain>(service).GetUsageAsync(d))));
        var requests = await requestsCall;
        var profile = await profileCall;

        var costs = (await costsCall).ToDictionary(c => CostMonth.Parse(c.Month), c => MonthlyCost.Create(CostMonth.Parse(c.Month), (double)c.Usd, (double)c.InstanceHours));
        var explicitOwners = await explicitCall;
        var usage = new DomainUsage(start, end,
            RequestPeriods(requests.Minutes),
            [.. days.Select(d => Period(d, f => f.CpuSamples))],
            [.. days.Select(d => Period(d, f => f.AllocBytes))],
            days.Sum(d => d.Total.Windows),
            0,
            [.. days.Select(d => Period(d, f => f.CpuSeconds))]);
        var table = EndpointCosts.Compute(usage, costs, explicitOwners.Keys);

        var seen = HandlerFiles.ByEndpoint(profile.Tree);
        if (seen.Count > 0) await owner.RememberHandlerFilesAsync(seen);
        var handlerFiles = new Dictionary<string, string>(await rememberedCall, StringComparer.Ordinal);
        foreach (var (endpoint, file) in seen) handlerFiles[endpoint] = file;
        var codeOwners = await codeOwnersCall is { } file0 ? CodeOwners.Parse(file0.Content) : null;

        EndpointCostRow Row(EndpointCost e) => CostRows.Of(e, IsEndpoint(e.Endpoint)
            ? EndpointOwners.Resolve(e.Endpoint, handlerFiles.GetValueOrDefault(e.Endpoint), codeOwners, explicitOwners)
            : explicitOwners.TryGetValue(e.Endpoint, out var team)
                ? new EndpointOwner(e.Endpoint, team, OwnerSource.Explicit, null, "explicit endpoint owner")
                : new EndpointOwner(e.Endpoint, CodeOwners.Unowned, OwnerSource.Unowned, null, "not an endpoint of its own"));

        var files = HandlerFiles.OwnFiles(profile.Tree, ServiceCostReport.MaxFiles)
            .Select(f => new OwnedFile(f, codeOwners?.PrimaryOwnerOf(f) ?? CodeOwners.Unowned)).ToList();
        var report = new ServiceCostReport(service, new TimeRange(table.From, table.To), table.Minutes, table.TotalUsd, table.TotalCents,
            [.. table.Months.Select(m => new MonthRate(m.Month.ToString(), m.Usd, m.InstanceHours, m.UsdPerMinute, m.UsdPerInstanceHour))],
            [.. table.MonthsWithoutInput.Select(m => m.ToString())],
            table.Windows, days.Any(d => d.Truncated) || profile.Truncated,
            [.. table.Endpoints.Select(Row)], Row(table.NotInRequest), Row(table.NotAttributed), Row(table.NoData), table.FoldedEndpoints,
            requests.Minutes.Where(m => m.Requests > 0).Select(m => m.Minute).Distinct().Count(), files,
            days.Aggregate(WindowAttributions.Empty, (sum, d) => sum.Add(d.Attributions ?? WindowAttributions.Empty with { Unknown = d.Total.Windows })));

        // Not awaited: a team grain asking for this report is busy until it returns (awaiting would deadlock it); the
        // note is idempotent and reaches it right after. CODEOWNERS uploads and explicit owners announce synchronously.
        foreach (var team in report.Endpoints.Select(e => e.Owner.Team).Concat(files.Select(f => f.Team)).Distinct(StringComparer.Ordinal).Take(ITeamGrain.MaxServices))
            GrainFactory.GetGrain<ITeamGrain>(team).AddServiceAsync(service).Ignore();
        return report;
    }

    /// <summary>The range cut at UTC midnights: CPU and allocation shares are pooled per day.</summary>
    internal static IEnumerable<TimeRange> DaySlices(DateTimeOffset start, DateTimeOffset end)
    {
        for (var a = start; a < end;)
        {
            var midnight = new DateTimeOffset(a.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
            var b = midnight < end ? midnight : end;
            yield return new TimeRange(a, b);
            a = b;
        }
    }

    private static bool IsEndpoint(string name) =>
        !(CostSplit.IsPseudoRow(name) || name.StartsWith('['));

    private static IReadOnlyList<UsagePeriod> RequestPeriods(IReadOnlyList<RouteMinute> minutes) =>
        [.. minutes.GroupBy(m => m.Minute).OrderBy(g => g.Key).Select(g =>
        {
            var weights = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var m in g)
            {
                var name = EndpointNames.Of(m.Method, m.Route);
                weights[name] = weights.GetValueOrDefault(name) + m.Requests;
            }
            return new UsagePeriod(g.Key, g.Key.AddMinutes(1), weights);
        })];

    private static UsagePeriod Period(ServiceEndpointUsage day, Func<EndpointFigures, double> measure)
    {
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var row in day.Endpoints) weights[row.Endpoint] = weights.GetValueOrDefault(row.Endpoint) + measure(row.Figures);
        return new UsagePeriod(day.Range.From, day.Range.To, weights);
    }
}

/// <summary>Domain rows to the serializable contract.</summary>
internal static class CostRows
{
    public static EndpointCostRow Of(EndpointCost e, EndpointOwner owner) => new(
        e.Endpoint,
        new EndpointOwnerInfo(owner.Team, owner.Source switch
        {
            OwnerSource.Explicit => "explicit",
            OwnerSource.CodeOwners => "codeowners",
            _ => "unowned",
        }, owner.Reason, owner.HandlerFile),
        e.Requests, e.CpuSamples, e.CpuSeconds, e.AllocBytes,
        new ShareByBasis(e.Share.Requests, e.Share.Cpu, e.Share.Alloc),
        new CostByBasis(e.Usd.Requests, e.Usd.Cpu, e.Usd.Alloc),
        new CostByBasis(e.Cents.Requests, e.Cents.Cpu, e.Cents.Alloc),
        e.RangeMinutes);
}
