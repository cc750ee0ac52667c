using FleetProfiler.Abstractions.Coverage;
using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.HeapSnapshots;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Profiles;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// A batch checked and translated, before any grain sees it: either the reason it is rejected, or exactly one upload
/// (a profile window with its encoded call tree, route minutes, a coverage run or a heap snapshot). Everything here
/// is pure, so the fuzz tests drive the same code the stream runs.
/// </summary>
public sealed record PreparedBatch(
    string? Error,
    ProfileWindowUpload? Window = null,
    RouteMinutesUpload? RouteMinutes = null,
    CoverageUpload? Coverage = null,
    HeapSnapshotUpload? HeapSnapshot = null,
    SampleValues WindowTotal = default)
{
    /// <summary>
    /// Validates <paramref name="batch"/> (<see cref="BatchValidator"/>, window times against <paramref name="now"/>) and
    /// translates it for <paramref name="sender"/>; a window whose call tree passes max_window_nodes is rejected too.
    /// </summary>
    public static PreparedBatch Prepare(Batch batch, BatchLimits limits, DateTimeOffset now, string sender)
    {
        if (BatchValidator.Validate(batch, limits, now) is { } error) return new(error);
        var dropped = (int)Math.Min(batch.DroppedWindows, int.MaxValue);
        if (batch.Coverage is not null) return new(null, Coverage: CoverageTranslator.ToUpload(batch, sender, dropped));
        if (batch.HeapSnapshot is not null) return new(null, HeapSnapshot: HeapSnapshotValidator.ToUpload(batch, sender));
        if (batch.RouteMinutes.Count > 0)
        {
            return new(null, RouteMinutes: new RouteMinutesUpload(sender, (long)batch.Sequence,
                [.. batch.RouteMinutes.Select(r => new Abstractions.Endpoints.RouteMinute(r.Minute.ToDateTimeOffset(), r.Method, r.Route, r.StatusClass, r.Requests,
                    r.DurationSumMs, r.P50Ms, r.P95Ms, r.P99Ms))], dropped));
        }
        var tree = BatchTranslator.ToTree(batch);
        if (tree.NodeCount > limits.MaxWindowNodes)
            return new($"stacks: the window's call tree has {tree.NodeCount} nodes (distinct stack paths), over max_window_nodes ({limits.MaxWindowNodes})");
        return OfWindow(batch, tree, BatchTranslator.SourcePaths(batch), sender);
    }

    /// <summary>
    /// The upload of a window batch whose call tree is translated and within max_window_nodes (its header fields are
    /// read here); the store of this silo gets the tree itself and <paramref name="hint"/> (<see cref="TreeHandoff"/>).
    /// </summary>
    internal static PreparedBatch OfWindow(Batch batch, CallTree tree, IReadOnlyList<SourcePath>? sourcePaths, string sender, FrameIdHint? hint = null)
    {
        var window = new ProfileWindowUpload(sender, (long)batch.Sequence, batch.Pid, batch.ProcessName,
            batch.WindowStart.ToDateTimeOffset(), batch.WindowEnd.ToDateTimeOffset(), string.Join(',', batch.Kinds),
            batch.SamplingIntervalMs, TreeHandoff.Encode(tree, hint), (int)Math.Min(batch.DroppedWindows, int.MaxValue), sourcePaths,
            AttributionMethods.Of(batch.Attribution?.Method), batch.Attribution?.Note ?? "", batch.ServiceVersion);
        return new(null, Window: window, WindowTotal: tree.Total);
    }
}
