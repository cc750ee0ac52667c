using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Agent.Spool;

/// <summary>
/// A <see cref="ProfileWindow"/> as a wire <see cref="Batch"/>: header fields plus interned tables, samples by stack
/// id (root first) with values per kind and the allocated type as a string index, the sample's endpoint as the label
/// <c>endpoint</c> and the window's <c>attribution</c>. <c>sequence</c> and <c>dropped_windows</c> are left for the spool to set.
/// </summary>
public static class BatchBuilder
{
    public static Batch FromWindow(ProfileWindow window, string host, BatchLimits limits)
    {
        var batch = Header(window, host);
        var tables = new BatchTables(batch, limits);
        var locations = new List<uint>(64);
        foreach (var sample in window.Samples)
        {
            locations.Clear();
            foreach (var frame in sample.Frames)
            {
                locations.Add(tables.Location(frame.Function, frame.File, frame.Line,
                    frame.File is null ? null : window.OriginalPaths.GetValueOrDefault(frame.File)));
            }
            var stack = tables.Stack(locations);
            var type = tables.String(sample.AllocatedType);
            var v = sample.Values;
            // Interned in the order stream interning expects (docs/protocol.md, "Stream interning"): stack, type, label key, value.
            IReadOnlyList<(uint, uint)> labels = sample.Endpoint is null ? [] : [(tables.String(EndpointLabels.Key), tables.String(sample.Endpoint))];
            tables.Sample(stack, type, labels, v.CpuSamples, v.WallSamples, v.AllocBytes, v.AllocCount, v.InuseBytes, v.InuseCount);
        }
        return batch;
    }

    private static Batch Header(ProfileWindow window, string host)
    {
        var batch = new Batch
        {
            Service = window.Service,
            Host = host,
            Pid = window.ProcessId,
            ProcessName = window.ProcessName,
            WindowStart = Timestamp.FromDateTime(DateTime.SpecifyKind(window.StartUtc, DateTimeKind.Utc)),
            WindowEnd = Timestamp.FromDateTime(DateTime.SpecifyKind(window.EndUtc, DateTimeKind.Utc)),
            SamplingIntervalMs = window.SamplingInterval?.TotalMilliseconds ?? 0,
            RuntimeVersion = window.Diagnostics.RuntimeVersion ?? "",
            ServiceVersion = window.ServiceVersion ?? "",
        };
        if (window.Attribution is { } a)
        {
            batch.Attribution = new FleetProfiler.Protocol.V1.Attribution
            {
                Method = a.Method,
                Requests = a.Requests,
                SamplesInRequests = a.SamplesInRequests,
                SamplesNotInRequest = a.SamplesNotInRequest,
                RequestsWithoutRoute = a.RequestsWithoutRoute,
                Note = a.Note,
            };
        }
        batch.Kinds.Add(ProfileKindNames.Format(window.Kinds).Split(',', StringSplitOptions.RemoveEmptyEntries));
        return batch;
    }

    /// <summary>The header of <paramref name="source"/> without its tables and samples (for the parts of a split).</summary>
    public static Batch CopyHeader(Batch source)
    {
        var copy = new Batch
        {
            Sequence = source.Sequence,
            Service = source.Service,
            Host = source.Host,
            Pid = source.Pid,
            ProcessName = source.ProcessName,
            WindowStart = source.WindowStart,
            WindowEnd = source.WindowEnd,
            SamplingIntervalMs = source.SamplingIntervalMs,
            DroppedWindows = source.DroppedWindows,
            RuntimeVersion = source.RuntimeVersion,
            ServiceVersion = source.ServiceVersion,
            // The same window's attribution on every part: its counts describe the whole window, not the part.
            Attribution = source.Attribution,
        };
        copy.Kinds.Add(source.Kinds);
        return copy;
    }
}
