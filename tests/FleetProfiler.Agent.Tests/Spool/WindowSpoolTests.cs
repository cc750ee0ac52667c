using FleetProfiler.Agent.Spool;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using static FleetProfiler.Agent.Tests.Infrastructure.TestWindows;

namespace FleetProfiler.Agent.Tests.Spool;

public sealed class WindowSpoolTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ListLogger<WindowSpool> _log = new();

    private WindowSpool Open(long maxBytes = 64 << 20, int maxBatches = 1000) => new(_dir.Path, maxBytes, maxBatches, _log);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Sequence_numbers_only_grow_and_survive_a_restart_even_with_an_empty_spool()
    {
        var spool = Open();
        Assert.Equal([1ul, 2ul, 3ul], new[] { spool.Add(Batch()), spool.Add(Batch()), spool.Add(Batch()) });
        Assert.True(spool.Remove(1) && spool.Remove(2) && spool.Remove(3));

        var reopened = Open();

        Assert.Equal(0, reopened.Status.Count);
        Assert.Equal(4ul, reopened.Add(Batch()));
    }

    [Fact]
    public void Batches_are_written_whole_before_sending_and_carry_their_sequence()
    {
        var spool = Open();
        var batch = Batch();

        var sequence = spool.Add(batch);

        var onDisk = global::FleetProfiler.Protocol.V1.Batch.Parser.ParseFrom(File.ReadAllBytes(spool.PathOf(sequence)));
        Assert.Equal(sequence, onDisk.Sequence);
        Assert.Equal(batch, onDisk);
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public void After_a_restart_unacked_batches_are_offered_in_sequence_order()
    {
        var spool = Open();
        var sent = Enumerable.Range(0, 5).Select(i => Batch(i + 1)).ToList();
        sent.ForEach(b => spool.Add(b));
        spool.Remove(2);
        spool.Remove(4);

        var reopened = Open();

        Assert.Equal([1ul, 3ul, 5ul], reopened.PendingSequences);
        var order = new List<ulong>();
        for (var next = reopened.NextAfter(0); next is { } n; next = reopened.NextAfter(n))
        {
            order.Add(n);
            Assert.Equal(sent[(int)n - 1], reopened.TryRead(n));
        }
        Assert.Equal([1ul, 3ul, 5ul], order);
        Assert.Equal(6ul, reopened.Add(Batch()));
    }

    [Fact]
    public void When_full_by_count_the_oldest_window_is_dropped_counted_logged_and_reported_in_the_next_batch()
    {
        var spool = Open(maxBatches: 3);
        for (var i = 0; i < 3; i++)
        {
            spool.Add(Batch());
        }

        var fourth = Batch();
        spool.Add(fourth);

        Assert.Equal([2ul, 3ul, 4ul], spool.PendingSequences);
        Assert.Equal(1u, fourth.DroppedWindows);
        Assert.Equal(1u, spool.TryRead(4)!.DroppedWindows);
        Assert.Equal(1, spool.Status.DroppedTotal);
        Assert.Contains(_log.At(LogLevel.Warning), m => m.Contains("dropped the oldest window (batch 1)"));

        // Dropping a batch that was itself reporting drops passes its count on: none goes unreported.
        spool.Add(Batch()); // drops 2 (reported nothing) -> batch 5 reports 1
        var sixth = Batch();
        spool.Add(sixth); // drops 3 -> 1
        var seventh = Batch();
        spool.Add(seventh); // drops 4, which reported 1 -> 1 + 1
        Assert.Equal(1u, sixth.DroppedWindows);
        Assert.Equal(2u, seventh.DroppedWindows);
        Assert.Equal(4, spool.Status.DroppedTotal);
    }

    [Fact]
    public void When_full_by_bytes_the_oldest_windows_are_dropped_until_the_new_one_fits()
    {
        var size = Batch(20).CalculateSize() + BatchLimits.HeaderReserve + 16;
        var spool = Open(maxBytes: size * 3);
        for (var i = 0; i < 3; i++)
        {
            spool.Add(Batch(20));
        }

        var big = Batch(45);
        spool.Add(big);

        Assert.True(spool.Status.Bytes <= size * 3, $"{spool.Status.Bytes} > {size * 3}");
        Assert.Equal(4ul, spool.PendingSequences[^1]);
        Assert.Equal((uint)(4 - spool.Status.Count), big.DroppedWindows);
    }

    [Fact]
    public void A_corrupt_batch_file_is_moved_aside_logged_and_the_rest_kept()
    {
        var spool = Open();
        spool.Add(Batch());
        spool.Add(Batch());
        spool.Add(Batch());
        File.WriteAllBytes(spool.PathOf(2), [0xff, 0xff, 0xff, 0x01, 0x02]);
        File.WriteAllText(Path.Combine(_dir.Path, "garbage.batch"), "not a batch");

        var reopened = Open();

        Assert.Equal([1ul, 3ul], reopened.PendingSequences);
        var aside = Directory.GetFiles(Path.Combine(_dir.Path, WindowSpool.CorruptDirectory)).Select(Path.GetFileName).ToList();
        Assert.Contains(aside, f => f!.StartsWith("00000000000000000002.batch", StringComparison.Ordinal));
        Assert.Contains(aside, f => f!.StartsWith("garbage.batch", StringComparison.Ordinal));
        Assert.Equal(2, _log.At(LogLevel.Error).Count(m => m.Contains("is unreadable")));
        Assert.Equal(4ul, reopened.Add(Batch()));
    }

    [Fact]
    public void A_batch_that_goes_bad_after_start_is_moved_aside_when_read()
    {
        var spool = Open();
        spool.Add(Batch());
        File.WriteAllBytes(spool.PathOf(1), [0x0a, 0xff]);

        Assert.Null(spool.TryRead(1));

        Assert.Empty(spool.PendingSequences);
        Assert.Single(Directory.GetFiles(Path.Combine(_dir.Path, WindowSpool.CorruptDirectory)));
    }

    [Fact]
    public void A_corrupt_state_file_never_lets_an_epoch_and_sequence_repeat()
    {
        var spool = Open();
        var last = spool.Add(Batch());
        var epoch = spool.Epoch;
        spool.Remove(last);
        File.WriteAllText(Path.Combine(_dir.Path, WindowSpool.StateFile), "sequ\0ence");

        var reopened = Open();
        var next = Batch();
        reopened.Add(next);

        Assert.NotEqual(epoch, next.SpoolEpoch);
        Assert.NotEqual(0ul, next.SpoolEpoch);
        Assert.Contains(_log.At(LogLevel.Warning), m => m.Contains("sequence numbers continue from") && m.Contains("new epoch"));
    }

    [Fact]
    public void A_restart_keeps_the_epoch_and_a_wiped_spool_draws_a_new_one()
    {
        var spool = Open();
        var first = Batch();
        spool.Add(first);
        Assert.Equal(spool.Epoch, first.SpoolEpoch);
        Assert.NotEqual(0ul, first.SpoolEpoch);

        Assert.Equal(first.SpoolEpoch, Open().Epoch);

        Directory.Delete(_dir.Path, recursive: true);
        var wiped = Open();
        var again = Batch();

        Assert.Equal(1ul, wiped.Add(again));
        Assert.NotEqual(first.SpoolEpoch, again.SpoolEpoch);
    }

    [Fact]
    public void A_state_from_before_epochs_keeps_its_sequence_in_a_new_epoch_and_its_batches_keep_theirs()
    {
        var old = Batch();
        old.Sequence = 7;
        File.WriteAllBytes(Path.Combine(_dir.Path, "00000000000000000007.batch"), old.ToByteArray());
        File.WriteAllText(Path.Combine(_dir.Path, WindowSpool.StateFile), "sequence 7\ndropped 0\n");

        var spool = Open();

        Assert.Equal(0ul, spool.TryRead(7)!.SpoolEpoch);
        Assert.NotEqual(0ul, spool.Epoch);
        Assert.Equal(8ul, spool.Add(Batch()));
    }

    [Fact]
    public void A_crash_before_the_first_state_keeps_the_epoch_of_the_batch_on_disk()
    {
        var spool = Open();
        var batch = Batch();
        spool.Add(batch);
        File.Delete(Path.Combine(_dir.Path, WindowSpool.StateFile));

        var reopened = Open();

        Assert.Equal(batch.SpoolEpoch, reopened.Epoch);
        Assert.Equal(2ul, reopened.Add(Batch()));
    }

    [Fact]
    public void Leftovers_of_earlier_runs_are_swept_on_open_and_named_in_one_log_line()
    {
        var spool = Open();
        spool.Add(Batch());
        File.WriteAllBytes(spool.PathOf(1), [0x0a, 0xff]);
        Assert.Null(spool.TryRead(1)); // moved into corrupt/
        File.WriteAllBytes(spool.PathOf(2) + DurableFile.TempSuffix, [1, 2, 3]);

        Open();

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, WindowSpool.CorruptDirectory)));
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*" + DurableFile.TempSuffix));
        var line = Assert.Single(_log.At(LogLevel.Information), m => m.Contains("swept 2 leftover file(s)"));
        Assert.Contains("corrupt/00000000000000000001.batch.", line);
        Assert.Contains("00000000000000000002.batch.tmp (an interrupted write)", line);
    }

    [Fact]
    public void A_write_interrupted_by_a_crash_leaves_no_trace()
    {
        var spool = Open();
        spool.Add(Batch());
        File.WriteAllBytes(spool.PathOf(2) + DurableFile.TempSuffix, Batch().ToByteArray()[..10]);

        var reopened = Open();

        Assert.Equal([1ul], reopened.PendingSequences);
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*" + DurableFile.TempSuffix));
        Assert.Equal(2ul, reopened.Add(Batch()));
    }

    [Fact]
    public void Replacing_a_batch_by_its_parts_gives_them_new_sequences_and_keeps_its_drop_count()
    {
        var spool = Open(maxBatches: 2);
        spool.Add(Batch());
        spool.Add(Batch());
        spool.Add(Batch()); // drops 1: batch 3 reports it
        spool.Remove(2);

        var parts = spool.Replace(3, [Batch(1), Batch(2)]);

        Assert.Equal([4ul, 5ul], parts);
        Assert.Equal([4ul, 5ul], spool.PendingSequences);
        Assert.Equal(1u, spool.TryRead(4)!.DroppedWindows);
        Assert.Equal(0u, spool.TryRead(5)!.DroppedWindows);
    }

    [Fact]
    public async Task A_waiting_sender_wakes_when_a_batch_is_spooled()
    {
        var spool = Open();
        var waiting = spool.WaitForNextAsync(0, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        spool.Add(Batch());

        Assert.Equal(1ul, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
