using FleetProfiler.Abstractions.Fleet;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Gateway.Hosting;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Orleans.Runtime;

namespace FleetProfiler.Gateway.Status;

/// <summary>Reads cluster state from grains: silos from the management grain, services and hosts from the fleet directory.</summary>
public sealed class StatusService(IGrainFactory grains, ClusterDescription cluster, Ingest.IngestAdmission admission, Ingest.AgentStreams streams)
    : Protocol.V1.Status.StatusBase
{
    private const int DefaultHostsPerService = 100;
    private const int MaxHostsPerService = 10_000;

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<CompactReply> Compact(CompactRequest request, ServerCallContext context)
    {
        RollupSummary r;
        try
        {
            r = await grains.GetGrain<IProfileRollupGrain>(IProfileRollupGrain.Key).CompactNowAsync();
        }
        catch (TimeoutException e)
        {
            // The rollup's runs are time-bounded (Profiles:RollupRunBudget), so this means a silo too busy to answer in
            // time; the run goes on and commits what it did, and a retry continues from the queue.
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, $"the rollup did not answer in time ({e.Message}); nothing is lost, call Compact again"));
        }

        return new CompactReply { Windows = r.Windows, BucketWrites = r.BucketWrites, Watermark = r.Watermark, ExpiredRows = r.ExpiredRows, More = r.More };
    }

    public override async Task<StatusReply> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        if (request.MaxHostsPerService < 0)
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, "max_hosts_per_service must not be negative"));
        var limit = request.MaxHostsPerService == 0 ? DefaultHostsPerService : Math.Min(request.MaxHostsPerService, MaxHostsPerService);

        var reply = new StatusReply
        {
            Mode = cluster.Mode,
            ClusterId = cluster.ClusterId,
            ServiceId = cluster.ServiceId,
            GatewayVersion = typeof(StatusService).Assembly.GetName().Version?.ToString() ?? "",
            Ingest = ToStatus(admission.Status, streams.Count),
        };

        var silos = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        foreach (var silo in silos.OrderBy(s => s.SiloAddress.ToString(), StringComparer.Ordinal))
        {
            reply.Silos.Add(new Protocol.V1.SiloStatus
            {
                Address = silo.SiloAddress.Endpoint.ToString(),
                Generation = silo.SiloAddress.Generation,
                Name = silo.SiloName ?? "",
                Status = silo.Status.ToString(),
                StartedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(silo.StartTime, DateTimeKind.Utc)),
            });
        }

        reply.Rollup = ToStatus(await grains.GetGrain<IProfileRollupGrain>(IProfileRollupGrain.Key).GetHealthAsync());

        var services = await grains.GetGrain<IFleetGrain>(IFleetGrain.Key).GetServicesAsync();
        var lists = await Task.WhenAll(services.Select(s => grains.GetGrain<IServiceGrain>(s).GetHostsAsync()));
        for (var i = 0; i < services.Count; i++)
        {
            var s = new ServiceStatus { Name = services[i], HostCount = lists[i].Count };
            if (request.IncludeHosts) s.Hosts.AddRange(lists[i].Take(limit));
            reply.Services.Add(s);
            reply.HostCount += lists[i].Count;
        }
        return reply;
    }

    private static IngestStatus ToStatus(Ingest.IngestAdmissionStatus a, int streams) => new()
    {
        MaxBatchesInFlight = a.MaxBatchesInFlight,
        BatchesInFlight = a.BatchesInFlight,
        BatchesWaiting = a.BatchesWaiting,
        PeakBatchesInFlight = a.PeakBatchesInFlight,
        BatchesAdmitted = a.BatchesAdmitted,
        BatchesAdmittedAfterWaiting = a.BatchesAdmittedAfterWaiting,
        AgentStreams = streams,
    };

    private static RollupStatus ToStatus(RollupHealth h)
    {
        var s = new RollupStatus
        {
            Healthy = h.Healthy,
            ConsecutiveFailures = h.ConsecutiveFailures,
            FailureThreshold = h.FailureThreshold,
            LastError = h.LastError ?? "",
            Watermark = h.Watermark,
            RunsSucceeded = h.RunsSucceeded,
            WindowsCompacted = h.WindowsCompacted,
            ExpiredRowsDeleted = h.ExpiredRowsDeleted,
            ActiveSince = Timestamp.FromDateTimeOffset(h.ActiveSince),
            QuarantinedRows = h.QuarantinedRows,
        };
        if (h.LastSuccessAt is { } ok) s.LastSuccessAt = Timestamp.FromDateTimeOffset(ok);
        if (h.LastFailureAt is { } failed) s.LastFailureAt = Timestamp.FromDateTimeOffset(failed);
        return s;
    }
}
