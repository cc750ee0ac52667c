using FleetProfiler.Abstractions.Cost;
using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Gateway.Query;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using CostBasis = FleetProfiler.Abstractions.Cost.CostBasis;
using EndpointCostMessage = FleetProfiler.Protocol.V1.EndpointCost;
using MonthRateMessage = FleetProfiler.Protocol.V1.MonthRate;
using TeamCostMessage = FleetProfiler.Protocol.V1.TeamCost;
using TeamFileMessage = FleetProfiler.Protocol.V1.TeamFile;

namespace FleetProfiler.Gateway.Cost;

/// <summary>Endpoint owners and the cost reports: validate, ask the cost and team grains, translate.</summary>
public sealed partial class CostService
{
    /// <summary>Services one team report may read, and the default number of endpoints listed per team.</summary>
    private const int DefaultTop = 10;

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<EndpointOwnersReply> SetEndpointOwners(SetEndpointOwnersRequest request, ServerCallContext context)
    {
        var service = await KnownServiceAsync(request.Service, "service");
        if (request.Set.Count == 0 && request.Remove.Count == 0) throw QueryArguments.Invalid("set, remove: at least one entry is required");
        if (request.Remove.FirstOrDefault(request.Set.ContainsKey) is { } both) throw QueryArguments.Invalid($"remove: '{both}' is also in set");
        IReadOnlyDictionary<string, string> owners;
        try
        {
            owners = await grains.GetGrain<IServiceGrain>(service).SetEndpointOwnersAsync(new Dictionary<string, string>(request.Set), [.. request.Remove]);
        }
        catch (ArgumentException e)
        {
            throw QueryArguments.Invalid(e.Message);
        }
        return OwnersReply(owners);
    }

    public override async Task<EndpointOwnersReply> ListEndpointOwners(ListEndpointOwnersRequest request, ServerCallContext context)
    {
        var service = await KnownServiceAsync(request.Service, "service");
        return OwnersReply(await grains.GetGrain<IServiceGrain>(service).GetEndpointOwnersAsync());
    }

    public override async Task<EndpointCostsReply> EndpointCosts(EndpointCostsRequest request, ServerCallContext context)
    {
        var basis = Basis(request.Basis);
        if (request.Limit is < 0 or > ServiceCostReport.MaxEndpoints) throw QueryArguments.Invalid($"limit: must be between 0 (all) and {ServiceCostReport.MaxEndpoints}");
        var report = await ReportAsync(request.Service, request.From, request.To);
        var rows = report.By(basis);
        return Reply(report, basis, request.Limit == 0 ? rows : rows.Take(request.Limit), "cost");
    }

    public override async Task<EndpointCostsReply> TopEndpoints(TopEndpointsRequest request, ServerCallContext context)
    {
        var basis = Basis(request.Basis);
        if (request.Limit is < 0 or > ServiceCostReport.MaxEndpoints) throw QueryArguments.Invalid($"limit: must be between 0 (10) and {ServiceCostReport.MaxEndpoints}");
        var by = request.By.Length == 0 ? "requests" : request.By;
        if (by is not ("requests" or "cost" or "cpu_per_request")) throw QueryArguments.Invalid($"by: unknown order '{request.By}' (requests, cost or cpu_per_request)");
        var report = await ReportAsync(request.Service, request.From, request.To);
        var endpoints = report.Endpoints.Where(e => !e.Endpoint.StartsWith('['));
        var ordered = by switch
        {
            "requests" => endpoints.OrderByDescending(e => e.Requests).ThenByDescending(e => e.Usd[basis]),
            "cost" => endpoints.OrderByDescending(e => e.Usd[basis]).ThenByDescending(e => e.Requests),
            _ => endpoints.Where(e => e.CpuIntensity is not null).OrderByDescending(e => e.CpuIntensity).ThenByDescending(e => e.Requests),
        };
        return Reply(report, basis, ordered.ThenBy(e => e.Endpoint, StringComparer.Ordinal).Take(request.Limit == 0 ? DefaultTop : request.Limit), by);
    }

    public override async Task<TeamCostsReply> TeamCosts(TeamCostsRequest request, ServerCallContext context)
    {
        var basis = Basis(request.Basis);
        var top = request.Top == 0 ? DefaultTop : request.Top;
        if (top is < 1 or > 1000) throw QueryArguments.Invalid("top: must be between 0 (10) and 1000");
        if (request.Team.Length == 0 && request.Service.Length == 0) throw QueryArguments.Invalid("team, service: name a team, a service, or both");
        if (request.Team.Length > 0 && request.Team != Profiles.Ownership.CodeOwners.Unowned && !Profiles.Ownership.CodeOwners.IsOwner(request.Team))
            throw QueryArguments.Invalid($"team: '{request.Team}' is not @user, @org/team, an e-mail address or unowned");
        IReadOnlyList<TeamCostReport> teams;
        TimeRange range;
        if (request.Service.Length > 0)
        {
            var report = await ReportAsync(request.Service, request.From, request.To);
            range = report.Range;
            var names = request.Team.Length > 0 ? [request.Team]
                : report.Endpoints.Select(e => e.Owner.Team).Concat(report.Files.Select(f => f.Team)).Distinct(StringComparer.Ordinal).ToList();
            teams = [.. names.Select(t => TeamRollup.Of(t, report.Range, basis, top, [report]))];
        }
        else
        {
            range = Range(request.From, request.To);
            var team = grains.GetGrain<ITeamGrain>(request.Team);
            if ((await team.GetServicesAsync()).Count == 0)
                throw QueryArguments.NotFound($"team: no CODEOWNERS file, explicit owner or cost report names '{request.Team}'");
            var report = await team.GetCostsAsync(range, basis, top);
            range = report.Range;
            teams = [report];
        }
        var reply = new TeamCostsReply
        {
            From = Timestamp.FromDateTimeOffset(range.From),
            To = Timestamp.FromDateTimeOffset(range.To),
            Basis = BasisName(basis),
            Windows = request.Service.Length > 0 ? teams.Select(t => t.Windows).DefaultIfEmpty().Max() : teams.Sum(t => t.Windows),
        };
        foreach (var t in teams.OrderByDescending(t => t.TotalUsd).ThenBy(t => t.Team, StringComparer.Ordinal))
        {
            var m = new TeamCostMessage
            {
                Team = t.Team,
                EndpointCount = t.EndpointCount,
                TotalUsd = (double)t.TotalUsd,
                AverageUsd = (double)t.AverageUsd,
                Windows = t.Windows,
            };
            m.Services.AddRange(t.Services);
            m.Endpoints.AddRange(t.Endpoints.Select(e => new TeamEndpointCost { Service = e.Service, Cost = Row(e.Row, basis) }));
            m.Files.AddRange(t.Files.Select(f => new TeamFileMessage { Service = f.Service, Path = f.Path }));
            m.MonthsWithoutInput.AddRange(t.MonthsWithoutInput);
            reply.Teams.Add(m);
        }
        return reply;
    }

    private async Task<ServiceCostReport> ReportAsync(string service, Timestamp? from, Timestamp? to)
    {
        var range = Range(from, to);
        var known = await KnownServiceAsync(service, "service");
        return await grains.GetGrain<IServiceCostGrain>(known).GetEndpointCostsAsync(range);
    }

    private static TimeRange Range(Timestamp? from, Timestamp? to)
    {
        var range = QueryArguments.Range(from, to);
        if (range.To - range.From > TimeSpan.FromDays(IServiceCostGrain.MaxRangeDays))
            throw QueryArguments.Invalid($"to: the range is longer than {IServiceCostGrain.MaxRangeDays} days (a cost report covers at most a quarter)");
        return range;
    }

    internal static CostBasis Basis(string basis) => basis switch
    {
        "" or "requests" => CostBasis.Requests,
        "cpu" => CostBasis.Cpu,
        "alloc" => CostBasis.Alloc,
        _ => throw QueryArguments.Invalid($"basis: unknown basis '{basis}' (requests, cpu or alloc)"),
    };

    private static string BasisName(CostBasis basis) => basis switch
    {
        CostBasis.Cpu => "cpu",
        CostBasis.Alloc => "alloc",
        _ => "requests",
    };

    private static EndpointOwnersReply OwnersReply(IReadOnlyDictionary<string, string> owners)
    {
        var reply = new EndpointOwnersReply();
        foreach (var (endpoint, team) in owners) reply.Owners[endpoint] = team;
        return reply;
    }

    private static EndpointCostsReply Reply(ServiceCostReport r, CostBasis basis, IEnumerable<EndpointCostRow> rows, string order)
    {
        var reply = new EndpointCostsReply
        {
            Service = r.Service,
            From = Timestamp.FromDateTimeOffset(r.Range.From),
            To = Timestamp.FromDateTimeOffset(r.Range.To),
            Minutes = r.Minutes,
            Basis = BasisName(basis),
            Windows = r.Windows,
            Truncated = r.Truncated,
            TotalUsd = (double)r.TotalUsd,
            TotalCents = Cents(r.TotalCents),
            NotInRequest = Row(r.NotInRequest, basis),
            NotAttributed = Row(r.NotAttributed, basis),
            NoData = Row(r.NoData, basis),
            FoldedEndpoints = r.FoldedEndpoints,
            MinutesWithRequests = r.MinutesWithRequests,
            Order = order,
            WindowAttributions = EndpointRows.Attributions(r.Attributions, r.Windows),
        };
        reply.Months.AddRange(r.Months.Select(m =>
        {
            var rate = new MonthRateMessage { Month = m.Month, Usd = (double)m.Usd, InstanceHours = (double)m.InstanceHours, UsdPerMinute = (double)m.UsdPerMinute };
            if (m.UsdPerInstanceHour is { } perHour) rate.UsdPerInstanceHour = (double)perHour;
            return rate;
        }));
        reply.MonthsWithoutInput.AddRange(r.MonthsWithoutInput);
        reply.Endpoints.AddRange(rows.Select(e => Row(e, basis)));
        return reply;
    }

    internal static EndpointCostMessage Row(EndpointCostRow e, CostBasis basis)
    {
        var (method, route) = EndpointNames.Split(e.Endpoint);
        var m = new EndpointCostMessage
        {
            Endpoint = e.Endpoint,
            Method = method,
            Route = route,
            Team = e.Owner.Team,
            OwnerSource = e.Owner.Source,
            OwnerReason = e.Owner.Reason,
            HandlerFile = e.Owner.HandlerFile ?? "",
            Requests = e.Requests,
            CpuSamples = e.CpuSamples,
            CpuSeconds = e.CpuSeconds,
            AllocBytes = e.AllocBytes,
            RequestShare = e.Share.Requests,
            CpuShare = e.Share.Cpu,
            AllocShare = e.Share.Alloc,
            UsdByRequests = (double)e.Usd.Requests,
            UsdByCpu = (double)e.Usd.Cpu,
            UsdByAlloc = (double)e.Usd.Alloc,
            CentsByRequests = Cents(e.Cents.Requests),
            CentsByCpu = Cents(e.Cents.Cpu),
            CentsByAlloc = Cents(e.Cents.Alloc),
            Usd = (double)e.Usd[basis],
            Cents = Cents(e.Cents[basis]),
            UsdPerMinute = (double)e.UsdPerMinute(basis),
        };
        if (e.UsdPerThousandRequests(basis) is { } perThousand) m.UsdPerThousandRequests = (double)perThousand;
        if (e.CpuIntensity is { } intensity) m.CpuIntensity = intensity;
        if (e.Requests > 0) m.CpuMsPerRequest = e.CpuSeconds * 1000 / e.Requests;
        return m;
    }

    private static long Cents(decimal usd) => (long)(usd * 100);
}
