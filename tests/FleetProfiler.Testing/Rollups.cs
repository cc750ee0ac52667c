using FleetProfiler.Protocol.V1;
using Grpc.Net.Client;

namespace FleetProfiler.Testing;

/// <summary>The rollup, driven through the real gateway (fleetprofiler.v1.Status/Compact, operator role).</summary>
public static class Rollups
{
    /// <summary>
    /// Runs the rollup until a run finds no window left. Every acked window is queued for the rollup when it is stored,
    /// so afterwards each acked window is in its minute/hour/day buckets: a query whose range holds a whole minute
    /// reads that minute's bucket, and sees a fresh window only once the rollup has taken it.
    /// </summary>
    public static Task CompactAllAsync(GrpcChannel channel, TimeSpan deadline)
    {
        var status = new Status.StatusClient(channel);
        return Eventually.Until(async () => (await status.CompactAsync(new CompactRequest(), deadline: DateTime.UtcNow.AddSeconds(60))).Windows,
            windows => windows == 0, deadline, "a compaction that finds no window left");
    }
}
