using FleetProfiler.Agent.Spool;
using static FleetProfiler.Agent.Tests.Infrastructure.TestWindows;

namespace FleetProfiler.Agent.Tests.Spool;

public sealed class BatchSplitterTests
{
    [Fact]
    public void A_batch_within_the_limits_is_left_alone()
    {
        var batch = Batch();

        var result = BatchSplitter.Split(batch, BatchLimits.ProtocolDefaults);

        Assert.True(result.Unchanged);
        Assert.Same(batch, Assert.Single(result.Parts));
    }

    [Fact]
    public void An_over_large_batch_is_split_into_well_formed_parts_that_keep_every_value()
    {
        var batch = BatchBuilder.FromWindow(Large(400), "host-1", BatchLimits.ProtocolDefaults);
        batch.DroppedWindows = 3;
        var limits = BatchLimits.ProtocolDefaults with { MaxBatchBytes = 8 * 1024 };
        Assert.NotNull(BatchSplitter.Violation(batch, limits));

        var result = BatchSplitter.Split(batch, limits);

        Assert.True(result.Parts.Count > 2);
        Assert.Equal(0, result.DroppedSamples);
        Assert.All(result.Parts, p => Assert.Null(BatchSplitter.Violation(p, limits)));
        Assert.All(result.Parts, AssertWellFormed);
        Assert.All(result.Parts, p => Assert.Equal((batch.Service, batch.Pid, batch.WindowStart, batch.WindowEnd), (p.Service, p.Pid, p.WindowStart, p.WindowEnd)));
        Assert.Equal(Decode(batch).OrderBy(s => s.Stack), result.Parts.SelectMany(Decode).OrderBy(s => s.Stack));
        // Drops are reported once, by the first part.
        Assert.Equal([3u, .. Enumerable.Repeat(0u, result.Parts.Count - 1)], result.Parts.Select(p => p.DroppedWindows));
    }

    [Fact]
    public void Limits_on_counts_split_too()
    {
        var batch = BatchBuilder.FromWindow(Large(50), "host-1", BatchLimits.ProtocolDefaults);
        var limits = BatchLimits.ProtocolDefaults with { MaxSamples = 10, MaxStacks = 10 };

        var result = BatchSplitter.Split(batch, limits);

        Assert.All(result.Parts, p => Assert.InRange(p.Samples.Count, 1, 10));
        Assert.Equal(50, result.Parts.Sum(p => p.Samples.Count));
    }

    [Fact]
    public void A_sample_too_large_on_its_own_is_dropped_and_counted()
    {
        var batch = BatchBuilder.FromWindow(Large(4, depth: 200), "host-1", BatchLimits.ProtocolDefaults);
        var limits = BatchLimits.ProtocolDefaults with { MaxBatchBytes = 256 };

        var result = BatchSplitter.Split(batch, limits);

        Assert.Equal(4, result.DroppedSamples);
        var part = Assert.Single(result.Parts);
        Assert.Empty(part.Samples);
        Assert.Null(BatchSplitter.Violation(part, limits));
    }
}
