namespace FleetProfiler.Agent.Tests.LiveHeap;

/// <summary>The survival simulation on synthetic GC event sequences (the shapes the runtime emits, see docs/live-memory.md).</summary>
public sealed class LiveObjectsTests
{
    private const int Retained = 1, Churn = 2, Large = 3;

    private static Dictionary<int, double> Live(LiveObjects heap) => heap.LiveBySite().ToDictionary(s => s.Key, s => s.Value.Bytes);

    [Fact]
    public void A_gc_that_reports_no_ranges_had_no_survivors_in_its_generations()
    {
        var heap = new LiveObjects(100);
        heap.Allocated(0x1000, Churn, 100, 1, longLived: false);
        heap.Allocated(0x2000, Churn, 100, 1, longLived: false);

        heap.GCStarted(0);
        heap.GCEnded();

        Assert.Empty(heap.LiveBySite());
        var summary = heap.Summary();
        Assert.Equal((1L, 1L, 2L), (summary.GCs, summary.GCsWithoutRanges, summary.Freed));
    }

    [Fact]
    public void A_sweeping_gc_keeps_objects_in_surviving_ranges_in_place_and_frees_the_rest()
    {
        var heap = new LiveObjects(100);
        heap.Allocated(0x1000, Retained, 1000, 1, longLived: false);
        heap.Allocated(0x5000, Churn, 100, 1, longLived: false);

        heap.GCStarted(0);
        heap.Survived(0x0800, 0x1000);   // covers 0x1000, not 0x5000
        heap.GCEnded();
        // Promoted to gen 1: a later gen 0 GC with no ranges does not touch it.
        heap.GCStarted(0);
        heap.GCEnded();

        Assert.Equal(new Dictionary<int, double> { [Retained] = 1000 }, Live(heap));
    }

    [Fact]
    public void A_compacting_gc_relocates_survivors_and_the_next_gc_finds_them_at_their_new_address()
    {
        var heap = new LiveObjects(100);
        heap.Allocated(0x10_000, Retained, 1000, 1, longLived: false);
        heap.Allocated(0x10_400, Retained, 1000, 1, longLived: false);
        heap.Allocated(0x20_000, Churn, 100, 1, longLived: false);

        heap.GCStarted(0);
        heap.Moved(0x10_000, 0x90_000, 0x800);
        heap.GCEnded();
        // A gen 1 GC: only the new addresses survive it.
        heap.GCStarted(1);
        heap.Survived(0x90_000, 0x400);
        heap.GCEnded();

        Assert.Equal(new Dictionary<int, double> { [Retained] = 1000 }, Live(heap));
        Assert.Equal(2, heap.Summary().Freed);
    }

    [Fact]
    public void Large_objects_outlive_ephemeral_gcs_and_die_only_in_a_full_gc_that_does_not_keep_them()
    {
        var heap = new LiveObjects(100);
        heap.Allocated(0x7000_0000, Large, 100_000, 1, longLived: true);
        heap.Allocated(0x7100_0000, Large, 100_000, 1, longLived: true);

        heap.GCStarted(0);
        heap.GCEnded();
        heap.GCStarted(1);
        heap.Moved(0x1000, 0x2000, 0x100);
        heap.GCEnded();
        Assert.Equal(new Dictionary<int, double> { [Large] = 200_000 }, Live(heap));

        heap.GCStarted(2);
        heap.Survived(0x7000_0000, 100_024);
        heap.GCEnded();
        Assert.Equal(new Dictionary<int, double> { [Large] = 100_000 }, Live(heap));
    }

    [Fact]
    public void Survivors_are_promoted_so_only_a_gc_deep_enough_can_free_them()
    {
        var heap = new LiveObjects(100);
        heap.Allocated(0x1000, Retained, 10, 1, longLived: false);
        for (var gen = 0; gen <= 1; gen++)
        {
            heap.GCStarted(gen);
            heap.Survived(0x1000, 0x10);
            heap.GCEnded();
        }
        // Now gen 2: ephemeral GCs without ranges leave it.
        heap.GCStarted(1);
        heap.GCEnded();
        Assert.Single(heap.LiveBySite());
        heap.GCStarted(2);
        heap.GCEnded();
        Assert.Empty(heap.LiveBySite());
    }

    [Fact]
    public void A_gc_already_running_when_the_window_opened_frees_nothing()
    {
        var heap = new LiveObjects(100);
        heap.Allocated(0x1000, Retained, 10, 1, longLived: false);
        heap.GCEnded();   // its start was before the session
        Assert.Single(heap.LiveBySite());
        Assert.Equal(0, heap.Summary().GCs);
    }

    [Fact]
    public void At_the_cap_tracked_objects_are_still_followed_and_later_samples_are_counted_not_tracked()
    {
        var heap = new LiveObjects(2);
        heap.Allocated(0x1000, Retained, 10, 1, longLived: false);
        heap.Allocated(0x2000, Retained, 10, 1, longLived: false);
        heap.Allocated(0x3000, Churn, 30, 1, longLived: false);

        var summary = heap.Summary();
        Assert.Equal((2L, 1L, 30.0), (summary.LiveObjects, summary.UntrackedSamples, summary.UntrackedBytes));
        Assert.Contains("tracking cap of 2 objects reached", summary.Describe(TimeSpan.FromSeconds(60)));
        Assert.Contains("objects allocated before the window are not seen", summary.Describe(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void Missed_gcs_between_windows_forget_young_objects_and_keep_gen2_ones()
    {
        var heap = new LiveObjects(100);
        heap.Allocated(0x1000, Retained, 10, 1, longLived: false);
        heap.Allocated(0x7000_0000, Large, 100_000, 1, longLived: true);
        heap.GCStarted(1, number: 5);
        heap.Survived(0x1000, 0x10);
        heap.GCEnded();
        heap.Allocated(0x3000, Churn, 10, 1, longLived: false);

        // The next window's first GC is number 9: 6, 7 and 8 were not seen.
        heap.ResetStatistics();
        heap.GCStarted(0, number: 9);
        heap.GCEnded();

        Assert.Equal(new Dictionary<int, double> { [Large] = 100_000 }, Live(heap));
        Assert.Equal(2, heap.Summary().Forgotten);
    }
}
