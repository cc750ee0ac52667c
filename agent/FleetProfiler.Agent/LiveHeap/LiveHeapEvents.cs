using Microsoft.Diagnostics.Tracing.Parsers;

namespace FleetProfiler.Agent.LiveHeap;

/// <summary>Feeds the runtime's GC events (keywords GC + GCHeapSurvivalAndMovement) of a trace into <see cref="LiveObjects"/>.</summary>
public static class LiveHeapEvents
{
    public static void Subscribe(ClrTraceEventParser clr, LiveObjects live)
    {
        clr.GCStart += e => live.GCStarted(e.Depth, e.Count);
        clr.GCBulkSurvivingObjectRanges += e =>
        {
            for (var i = 0; i < e.Count; i++)
            {
                var range = e.Values(i);
                live.Survived(range.RangeBase, range.RangeLength);
            }
        };
        clr.GCBulkMovedObjectRanges += e =>
        {
            for (var i = 0; i < e.Count; i++)
            {
                var range = e.Values(i);
                live.Moved(range.OldRangeBase, range.NewRangeBase, range.RangeLength);
            }
        };
        clr.GCStop += _ => live.GCEnded();
    }
}
