using FleetProfiler.Abstractions.Schedules;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Gateway.Query;
using FleetProfiler.Profiles.Schedules;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using ScheduledRunReply = FleetProfiler.Protocol.V1.ScheduledRun;
using ScheduleEntryReply = FleetProfiler.Protocol.V1.ScheduleEntry;

namespace FleetProfiler.Gateway.Schedules;

/// <summary>
/// The Schedule API (fleetprofiler/v1/schedule.proto): checks what it can alone (names, kind, K, window, one way of
/// saying how often), leaves the period's range to the schedule grain (the silo's Scheduling:MinimumPeriod), and
/// maps the grain's refusals to INVALID_ARGUMENT / NOT_FOUND.
/// </summary>
public sealed class ScheduleService(IGrainFactory grains) : Protocol.V1.Schedule.ScheduleBase
{
    /// <summary>Defaults of an omitted K and window length.</summary>
    public const int DefaultHosts = 1, DefaultWindowSeconds = 10;

    /// <summary>Largest runs-per-day accepted before the grain's period check (one a second): beyond it the number is nonsense.</summary>
    private const uint MaxTimesPerDay = 86_400;

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<ScheduleEntryReply> Set(SetScheduleRequest request, ServerCallContext context)
    {
        var service = await KnownServiceAsync(request.Service);
        var kind = Kind(request.Kind);
        TimeSpan period;
        if (request.TimesPerDay != 0 && request.Period is not null) throw QueryArguments.Invalid("times_per_day, period: give one, not both");
        if (request.TimesPerDay != 0)
        {
            if (request.TimesPerDay > MaxTimesPerDay) throw QueryArguments.Invalid($"times_per_day: {request.TimesPerDay} is more than once a second");
            period = ScheduleRules.PeriodOfTimesPerDay((int)request.TimesPerDay);
        }
        else if (request.Period is not null)
        {
            period = request.Period.ToTimeSpan();
        }
        else
        {
            throw QueryArguments.Invalid("times_per_day or period: required (how often the schedule runs)");
        }
        var hosts = request.Hosts == 0 ? DefaultHosts : request.Hosts;
        var window = request.WindowSeconds == 0 ? DefaultWindowSeconds : request.WindowSeconds;
        if (hosts > ScheduleRules.MaxHosts) throw QueryArguments.Invalid($"hosts: {hosts} is not between 1 and {ScheduleRules.MaxHosts}");
        if (window > ScheduleRules.MaxWindowSeconds) throw QueryArguments.Invalid($"window_seconds: {window} is not between 1 and {ScheduleRules.MaxWindowSeconds}");
        try
        {
            return ToReply(await grains.GetGrain<IScheduleGrain>(service).SetAsync(new ScheduleSpec(kind, period, (int)hosts, (int)window)));
        }
        catch (ArgumentException e)
        {
            throw QueryArguments.Invalid(e.Message);
        }
    }

    public override async Task<ListSchedulesReply> List(ListSchedulesRequest request, ServerCallContext context)
    {
        IReadOnlyList<string> services = string.IsNullOrEmpty(request.Service)
            ? await grains.GetGrain<IScheduleDirectoryGrain>(IScheduleDirectoryGrain.Key).GetServicesAsync()
            : [await KnownServiceAsync(request.Service)];
        var reply = new ListSchedulesReply();
        foreach (var service in services)
            reply.Schedules.AddRange((await grains.GetGrain<IScheduleGrain>(service).ListAsync()).Select(ToReply));
        return reply;
    }

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<RemoveScheduleReply> Remove(RemoveScheduleRequest request, ServerCallContext context)
    {
        var service = Name(request.Service);
        var kind = Kind(request.Kind);
        if (!await grains.GetGrain<IScheduleGrain>(service).RemoveAsync(kind))
            throw QueryArguments.NotFound($"kind: service '{service}' has no {kind} schedule");
        return new RemoveScheduleReply();
    }

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<ScheduledRunReply> RunNow(RunScheduleRequest request, ServerCallContext context)
    {
        var service = Name(request.Service);
        var kind = Kind(request.Kind);
        try
        {
            return ToReply(await grains.GetGrain<IScheduleGrain>(service).RunNowAsync(kind));
        }
        catch (KeyNotFoundException e)
        {
            throw QueryArguments.NotFound("kind: " + e.Message + " (set one first)");
        }
    }

    public override async Task<ScheduleHistoryReply> History(ScheduleHistoryRequest request, ServerCallContext context)
    {
        var service = Name(request.Service);
        var kind = string.IsNullOrEmpty(request.Kind) ? null : Kind(request.Kind);
        var limit = request.Limit == 0 ? 20 : (int)Math.Min(request.Limit, int.MaxValue);
        var reply = new ScheduleHistoryReply();
        reply.Runs.AddRange((await grains.GetGrain<IScheduleGrain>(service).GetHistoryAsync(kind, limit)).Select(ToReply));
        return reply;
    }

    private static string Name(string service)
    {
        if (string.IsNullOrWhiteSpace(service)) throw QueryArguments.Invalid("service: required");
        if (service.Contains('/')) throw QueryArguments.Invalid("service: may not contain '/'");
        return service;
    }

    private async Task<string> KnownServiceAsync(string service)
    {
        Name(service);
        if ((await grains.GetGrain<IServiceGrain>(service).GetHostsAsync()).Count == 0)
            throw QueryArguments.NotFound($"service: unknown service '{service}' (no agent has reported it)");
        return service;
    }

    private static string Kind(string kind) =>
        ScheduleRules.IsKind(kind) ? kind
        : throw QueryArguments.Invalid(kind.Length == 0 ? $"kind: required ({string.Join(", ", ScheduleRules.Kinds)})"
            : $"kind: unknown kind '{kind}' ({string.Join(", ", ScheduleRules.Kinds)})");

    internal static ScheduleEntryReply ToReply(Abstractions.Schedules.ScheduleEntry e)
    {
        var reply = new ScheduleEntryReply
        {
            Service = e.Service,
            Kind = e.Spec.Kind,
            Period = Duration.FromTimeSpan(e.Spec.Period),
            Hosts = (uint)e.Spec.Hosts,
            WindowSeconds = (uint)e.Spec.WindowSeconds,
            UpdatedAt = Timestamp.FromDateTimeOffset(e.UpdatedAt),
            Runs = (ulong)e.Runs,
            TimesPerDay = (uint)Math.Min(ScheduleRules.TimesPerDayAt(e.Spec.Period), uint.MaxValue),
        };
        if (e.LastRunAt is { } last) reply.LastRunAt = Timestamp.FromDateTimeOffset(last);
        return reply;
    }

    internal static ScheduledRunReply ToReply(Abstractions.Schedules.ScheduledRun r)
    {
        var reply = new ScheduledRunReply
        {
            Id = r.Id,
            Service = r.Service,
            Kind = r.Kind,
            At = Timestamp.FromDateTimeOffset(r.At),
            Trigger = r.Trigger == ScheduleTrigger.Manual ? "manual" : "reminder",
            Requested = (uint)r.Requested,
            KnownHosts = (uint)r.KnownHosts,
            WindowSeconds = (uint)r.WindowSeconds,
            Note = r.Note,
        };
        reply.Hosts.AddRange(r.Hosts.Select(h => new Protocol.V1.HostOutcome
        {
            Host = h.Host,
            Outcome = h.Outcome switch
            {
                CommandOutcome.Sent => Protocol.V1.HostOutcome.Types.Outcome.Sent,
                CommandOutcome.Accepted => Protocol.V1.HostOutcome.Types.Outcome.Accepted,
                CommandOutcome.Refused => Protocol.V1.HostOutcome.Types.Outcome.Refused,
                _ => Protocol.V1.HostOutcome.Types.Outcome.Offline,
            },
            Message = h.Message,
        }));
        return reply;
    }
}
