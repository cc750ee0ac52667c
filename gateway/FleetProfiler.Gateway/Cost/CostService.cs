using FleetProfiler.Abstractions.Services;
using FleetProfiler.Gateway.Query;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Cost;
using FleetProfiler.Profiles.Ownership;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using MonthlyCost = FleetProfiler.Profiles.Cost.MonthlyCost;
using MonthlyCostReply = FleetProfiler.Protocol.V1.ServiceMonthlyCost;

namespace FleetProfiler.Gateway.Cost;

/// <summary>
/// Cost and ownership input: validates everything before any grain changes (a bad CSV row refuses the whole
/// file), then stores it in the service grains.
/// </summary>
public sealed partial class CostService(IGrainFactory grains) : Protocol.V1.Cost.CostBase
{
    /// <summary>Largest CSV or CODEOWNERS text accepted.</summary>
    public const int MaxTextBytes = 1024 * 1024;
    /// <summary>Paths one ResolveOwners call may ask about.</summary>
    public const int MaxPaths = 1000;

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<MonthlyCostReply> SetMonthlyCost(SetMonthlyCostRequest request, ServerCallContext context)
    {
        var service = await KnownServiceAsync(request.Service, "service");
        Validate(request.Month, request.Usd, request.InstanceHours, "");
        var entry = await grains.GetGrain<IServiceGrain>(service).SetMonthlyCostAsync(request.Month, request.Usd, request.InstanceHours);
        return ToReply(service, entry);
    }

    public override async Task<ListMonthlyCostsReply> ListMonthlyCosts(ListMonthlyCostsRequest request, ServerCallContext context)
    {
        var service = await KnownServiceAsync(request.Service, "service");
        var reply = new ListMonthlyCostsReply();
        foreach (var e in await grains.GetGrain<IServiceGrain>(service).GetMonthlyCostsAsync())
            reply.Costs.Add(ToReply(service, e));
        return reply;
    }

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<ImportCostsReply> ImportCosts(ImportCostsRequest request, ServerCallContext context)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(request.Csv) > MaxTextBytes) throw QueryArguments.Invalid($"csv: larger than {MaxTextBytes} bytes");
        var rows = CostCsv.Parse(request.Csv);
        foreach (var service in rows.Select(r => r.Service).Distinct(StringComparer.Ordinal))
            await KnownServiceAsync(service, $"csv line {rows.First(r => r.Service == service).Line}: service");
        foreach (var r in rows)
            await grains.GetGrain<IServiceGrain>(r.Service).SetMonthlyCostAsync(r.Month, r.Usd, r.InstanceHours);
        var reply = new ImportCostsReply { Rows = rows.Count };
        reply.Services.AddRange(rows.Select(r => r.Service).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return reply;
    }

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<SetCodeOwnersReply> SetCodeOwners(SetCodeOwnersRequest request, ServerCallContext context)
    {
        var service = await KnownServiceAsync(request.Service, "service");
        if (System.Text.Encoding.UTF8.GetByteCount(request.Content) > MaxTextBytes) throw QueryArguments.Invalid($"content: larger than {MaxTextBytes} bytes");
        CodeOwners parsed;
        try { parsed = CodeOwners.Parse(request.Content); }
        catch (ProfileDataException e) { throw QueryArguments.Invalid("content: " + e.Message); }
        var file = await grains.GetGrain<IServiceGrain>(service).SetCodeOwnersAsync(request.Content);
        var reply = new SetCodeOwnersReply { Rules = parsed.Rules.Count, UpdatedAt = Timestamp.FromDateTimeOffset(file.UpdatedAt) };
        reply.Skipped.AddRange(parsed.Errors.Select(e => e.ToString()));
        return reply;
    }

    public override async Task<ResolveOwnersReply> ResolveOwners(ResolveOwnersRequest request, ServerCallContext context)
    {
        var service = await KnownServiceAsync(request.Service, "service");
        if (request.Paths.Count == 0) throw QueryArguments.Invalid("paths: at least one path is required");
        if (request.Paths.Count > MaxPaths) throw QueryArguments.Invalid($"paths: at most {MaxPaths} per call");
        var file = await grains.GetGrain<IServiceGrain>(service).GetCodeOwnersAsync()
            ?? throw QueryArguments.NotFound($"service: '{service}' has no CODEOWNERS file (set one with SetCodeOwners / fleetprofiler owners set)");
        var owners = CodeOwners.Parse(file.Content);
        var reply = new ResolveOwnersReply();
        foreach (var path in request.Paths)
        {
            var rule = owners.RuleFor(path);
            var p = new PathOwners { Path = path, Line = rule?.Line ?? 0, Pattern = rule?.Pattern ?? "" };
            if (rule is not null) p.Owners.AddRange(rule.Owners);
            reply.Paths.Add(p);
        }
        return reply;
    }

    private async Task<string> KnownServiceAsync(string service, string field)
    {
        if (string.IsNullOrWhiteSpace(service)) throw QueryArguments.Invalid($"{field}: required");
        if (service.Contains('/')) throw QueryArguments.Invalid($"{field}: may not contain '/'");
        if ((await grains.GetGrain<IServiceGrain>(service).GetHostsAsync()).Count == 0)
            throw QueryArguments.NotFound($"{field}: unknown service '{service}' (no agent has reported it)");
        return service;
    }

    internal static void Validate(string month, double usd, double instanceHours, string where)
    {
        try { MonthlyCost.Create(CostMonth.Parse(month), usd, instanceHours); }
        catch (ProfileDataException e) { throw QueryArguments.Invalid(where + e.Message); }
    }

    private static MonthlyCostReply ToReply(string service, MonthlyCostEntry e)
    {
        var cost = MonthlyCost.Create(CostMonth.Parse(e.Month), (double)e.Usd, (double)e.InstanceHours);
        return new MonthlyCostReply
        {
            Service = service,
            Month = e.Month,
            Usd = (double)e.Usd,
            InstanceHours = (double)e.InstanceHours,
            UsdPerMinute = (double)cost.UsdPerMinute,
            UsdPerInstanceHour = (double)(cost.UsdPerInstanceHour ?? 0),
        };
    }
}
