using FleetProfiler.Grains.Profiles;
using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;

namespace FleetProfiler.Tests.Profiles;

/// <summary>The latest in-use snapshot of a range (what queries with kind inuse answer from raw windows) and its note.</summary>
public sealed class InuseSnapshotTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
    private long _sequence;

    private StoredWindow Window(string host, int pid, int startSecond, long inuseBytes, string kinds = "inuse", int seconds = 60)
    {
        var tree = new CallTree();
        tree.Add([new Frame("main"), new Frame("cache")], new SampleValues(0, 0, 2 * inuseBytes, 2, inuseBytes, 1));
        return new StoredWindow("svc", host, "agent-" + host, ++_sequence, pid, "p", T0.AddSeconds(startSecond), T0.AddSeconds(startSecond + seconds),
            kinds, 0, CallTreeCodec.Serialize(tree));
    }

    [Fact]
    public void The_latest_takes_each_process_newest_window_with_all_its_parts_and_adds_processes()
    {
        var old = Window("h1", 1, 0, 90_000);
        var newestPart1 = Window("h1", 1, 60, 30_000);
        var newestPart2 = newestPart1 with { Sequence = 99, Tree = Window("h1", 1, 60, 12_000).Tree };
        var otherPid = Window("h1", 2, 10, 5_000);
        var otherHost = Window("h2", 1, 30, 7_000, "alloc,inuse");
        var cpuLater = Window("h2", 1, 300, 1_000_000, "cpu");   // not an in-use window, whatever it carries

        var (tree, used) = InuseSnapshot.Latest([cpuLater, otherHost, newestPart2, old, otherPid, newestPart1])!.Value;

        Assert.Equal(30_000 + 12_000 + 5_000 + 7_000, tree.Total.InuseBytes);
        Assert.Equal(4, tree.Total.InuseCount);
        Assert.Equal(new[] { newestPart1.Sequence, newestPart2.Sequence, otherHost.Sequence, otherPid.Sequence }.Order(), used.Select(w => w.Sequence).Order());
        Assert.Equal($"in use: the latest inuse window of each of 3 process(es), ending between {T0.AddSeconds(70):u} and {T0.AddSeconds(120):u}; {InuseSnapshot.Invisible}",
            InuseSnapshot.Note(used, truncated: false));
    }

    [Fact]
    public void A_window_with_a_later_end_is_newer_and_a_range_without_in_use_windows_has_no_snapshot()
    {
        // Same start, the longer one ended later: it is the newer snapshot.
        var (tree, used) = InuseSnapshot.Latest([Window("h1", 1, 0, 40_000, seconds: 30), Window("h1", 1, 0, 25_000, seconds: 45)])!.Value;
        Assert.Equal(25_000, tree.Total.InuseBytes);
        Assert.Equal($"in use: the latest inuse window of each of 1 process(es), ending at {T0.AddSeconds(45):u}; {InuseSnapshot.Invisible}", InuseSnapshot.Note(used, truncated: false));
        Assert.EndsWith("so a later snapshot may be missing: narrow the range", InuseSnapshot.Note(used, truncated: true));

        Assert.Null(InuseSnapshot.Latest([Window("h1", 1, 0, 40_000, "cpu"), Window("h1", 1, 60, 40_000, "alloc")]));
        Assert.Null(InuseSnapshot.Latest([]));
        // "inuse" must be one of the kinds, not a part of one.
        Assert.Null(InuseSnapshot.Latest([Window("h1", 1, 0, 40_000, "inuse2")]));
    }

    [Fact]
    public void The_peaks_note_says_the_answer_is_not_the_latest_and_names_the_blind_spot()
    {
        Assert.Contains("expired", InuseSnapshot.PeaksNote);
        Assert.Contains("peaks", InuseSnapshot.PeaksNote);
        Assert.Contains("not the latest", InuseSnapshot.PeaksNote);
        Assert.EndsWith(InuseSnapshot.Invisible, InuseSnapshot.PeaksNote);
    }
}
