using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Grains.Profiles;
using FleetProfiler.Profiles;
using Orleans.Concurrency;

namespace FleetProfiler.Grains.Endpoints;

/// <summary>
/// An endpoint's usage and flamegraph, read from the profile store on each call: no state, so nothing grows with the
/// endpoint's history (the store's buckets and retention bound it). A stateless worker: any silo answers.
/// </summary>
[StatelessWorker]
public sealed class EndpointGrain(UsageReader usage, ProfileReader reader) : Grain, IEndpointGrain
{
    public async Task<EndpointUsage> GetUsageAsync(TimeRange range)
    {
        var (service, endpoint) = EndpointKey.Parse(this.GetPrimaryKeyString());
        ArgumentNullException.ThrowIfNull(range);
        // Off the grain scheduler: decoding is CPU-bound and SQLite reads are synchronous underneath.
        var read = await Task.Run(() => usage.ReadAsync(service, range, endpoint));
        var total = new FiguresSum();
        var serviceTotal = new FiguresSum();
        var periods = new List<EndpointUsagePeriod>(read.Periods.Count);
        foreach (var p in read.Periods)
        {
            periods.Add(new EndpointUsagePeriod(p.Start, p.Length, p.Endpoint.ToFigures(p.Windows), p.Service.ToFigures(p.Windows)));
            total.Add(p.Endpoint);
            serviceTotal.Add(p.Service);
        }
        return new EndpointUsage(service, endpoint, range, read.Covered, read.Truncated, periods,
            total.ToFigures(read.Windows), serviceTotal.ToFigures(read.Windows));
    }

    public async Task<MergedProfile> GetProfileAsync(TimeRange range, string? host, int maxWindows)
    {
        var (service, endpoint) = EndpointKey.Parse(this.GetPrimaryKeyString());
        ArgumentNullException.ThrowIfNull(range);
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        if (maxWindows <= 0) throw new ArgumentOutOfRangeException(nameof(maxWindows), "must be positive");
        var read = await Task.Run(() => reader.ReadAsync(service, host, range.From, range.To, maxWindows, endpoint: endpoint));
        return new MergedProfile(CallTreeCodec.Serialize(read.Tree), read.Windows, read.Truncated, read.SamplingIntervalMs,
            read.Widened, new TimeRange(read.CoveredFrom, read.CoveredTo), read.BucketsRead, read.RawWindowsRead);
    }
}

/// <summary>Every endpoint's usage of one service, read from the profile store on each call (a stateless worker).</summary>
[StatelessWorker]
public sealed class ServiceEndpointsGrain(UsageReader usage) : Grain, IServiceEndpointsGrain
{
    public async Task<ServiceEndpointUsage> GetUsageAsync(TimeRange range)
    {
        var service = this.GetPrimaryKeyString();
        ArgumentNullException.ThrowIfNull(range);
        var read = await Task.Run(() => usage.ReadAsync(service, range, endpoint: null));
        var total = new FiguresSum();
        var periods = new List<ServiceUsagePeriod>(read.Periods.Count);
        foreach (var p in read.Periods)
        {
            periods.Add(new ServiceUsagePeriod(p.Start, p.Length, p.Service.ToFigures(p.Windows)));
            total.Add(p.Service);
        }
        var rows = read.Endpoints
            .Select(e => (Name: e.Key, Figures: e.Value.ToFigures(read.Windows)))
            .OrderByDescending(e => e.Figures.CpuSamples)
            .ThenByDescending(e => e.Figures.Requests)
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        if (rows.Count > ServiceEndpointUsage.MaxEndpoints)
        {
            // Fold the tail into one row, so that the rows still add up to the service.
            var other = new FiguresSum();
            foreach (var (name, _) in rows.Skip(ServiceEndpointUsage.MaxEndpoints - 1)) other.Add(read.Endpoints[name]);
            rows = [.. rows.Take(ServiceEndpointUsage.MaxEndpoints - 1), (ServiceEndpointUsage.OtherEndpoints, other.ToFigures(read.Windows))];
        }
        var endpoints = rows.Select(e =>
        {
            var (method, route) = EndpointNames.Split(e.Name);
            return new EndpointUsageRow(e.Name, method, route, e.Figures);
        }).ToList();
        return new ServiceEndpointUsage(service, range, read.Covered, read.Truncated, endpoints, total.ToFigures(read.Windows), periods, read.MinutesWithRequests, read.Attributions);
    }
}
