using FleetProfiler.Gateway.Ingest;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Tests.Ingest;

/// <summary>The window-time bounds, the stream counter and the failure classification, in process (issue 10 items 7, 8).</summary>
public sealed class BatchBoundsTests
{
    private static readonly DateTimeOffset Now = TestBatches.Epoch.AddHours(1);

    private static Batch WindowAt(DateTimeOffset start) => TestBatches.Cpu(1, "svc", "h", start, ("main;work", 1));

    [Fact]
    public void A_window_within_retention_and_skew_is_accepted()
    {
        var limits = new BatchLimits();
        Assert.Null(BatchValidator.Validate(WindowAt(Now - limits.MaxWindowAge + TimeSpan.FromMinutes(1)), limits, Now));
        Assert.Null(BatchValidator.Validate(WindowAt(Now + limits.MaxClockSkew - TimeSpan.FromSeconds(10)), limits, Now));
    }

    [Fact]
    public void A_window_older_than_retention_is_rejected_naming_window_start()
    {
        var limits = new BatchLimits();
        var error = BatchValidator.Validate(WindowAt(Now - limits.MaxWindowAge - TimeSpan.FromMinutes(1)), limits, Now);
        Assert.StartsWith("window_start", error);
        Assert.Contains("max_window_age", error);
    }

    [Fact]
    public void A_window_ending_more_than_the_skew_after_now_is_rejected_naming_window_end()
    {
        var limits = new BatchLimits();
        var error = BatchValidator.Validate(WindowAt(Now + limits.MaxClockSkew), limits, Now);
        Assert.StartsWith("window_end", error);
        Assert.Contains("max_clock_skew", error);
    }

    [Fact]
    public void A_coverage_process_start_that_is_not_normalised_is_rejected()
    {
        var b = CoverageBatches.Run(1, "svc", "h", TestBatches.Epoch, []);
        b.Coverage.ProcessStart = new Timestamp { Seconds = 1, Nanos = 2_000_000_000 };
        Assert.StartsWith("coverage.process_start is not normalised", BatchValidator.Validate(b, new BatchLimits()));
    }

    [Fact]
    public void A_heap_snapshot_whose_rows_overflow_a_long_is_rejected_not_wrapped()
    {
        var b = new Batch { Sequence = 1, Service = "svc", Host = "h", WindowStart = Timestamp.FromDateTimeOffset(Now), WindowEnd = Timestamp.FromDateTimeOffset(Now), HeapSnapshot = new HeapSnapshot { LiveBytes = 10 } };
        b.Kinds.Add("heap");
        b.HeapSnapshot.TypeRows.Add(new HeapTypeRow { Name = "A", LiveBytes = long.MaxValue });
        b.HeapSnapshot.TypeRows.Add(new HeapTypeRow { Name = "B", LiveBytes = long.MaxValue });
        Assert.Contains("heap_snapshot", BatchValidator.Validate(b, new BatchLimits()));
    }

    [Fact]
    public void Streams_beyond_the_total_or_one_agents_share_are_refused_and_given_back_on_dispose()
    {
        var streams = new AgentStreams(new IngestOptions { MaxStreams = 3, MaxStreamsPerAgent = 2 });
        using var t1 = streams.EnterTotal();
        using var a1 = streams.EnterAgent("a");
        var a2 = streams.EnterAgent("a");
        Assert.Equal(StatusCode.ResourceExhausted, Assert.Throws<RpcException>(() => streams.EnterAgent("a")).StatusCode);
        a2.Dispose();
        a2.Dispose(); // a second dispose gives nothing back twice
        using var a3 = streams.EnterAgent("a");
        Assert.Equal(StatusCode.ResourceExhausted, Assert.Throws<RpcException>(() => streams.EnterAgent("a")).StatusCode);

        using var t2 = streams.EnterTotal();
        var t3 = streams.EnterTotal();
        var refused = Assert.Throws<RpcException>(() => streams.EnterTotal());
        Assert.Contains("MaxStreams", refused.Status.Detail);
        t3.Dispose();
        using var t4 = streams.EnterTotal();
        Assert.Equal(3, streams.Count);
    }

    [Fact]
    public void Platform_faults_end_the_stream_and_everything_else_becomes_the_batchs_rejection()
    {
        Assert.True(ApplyFailure.IsTransient(new TimeoutException()));
        Assert.True(ApplyFailure.IsTransient(new Orleans.Runtime.SiloUnavailableException()));
        Assert.True(ApplyFailure.IsTransient(new OperationCanceledException()));
        // What the gateway gets when a silo cannot serialize the store driver's exception (PostgreSQL down).
        Assert.True(ApplyFailure.IsTransient(new Orleans.Serialization.CodecNotFoundException("Could not find a codec for type Npgsql.NpgsqlException.")));
        Assert.True(ApplyFailure.IsTransient(new AggregateException(new TimeoutException(), new IOException())));
        Assert.False(ApplyFailure.IsTransient(new AggregateException(new TimeoutException(), new OverflowException())));
        Assert.False(ApplyFailure.IsTransient(new OverflowException()));
        Assert.False(ApplyFailure.IsTransient(new FleetProfiler.Profiles.ProfileDataException("bad")));
        Assert.False(ApplyFailure.IsTransient(new NullReferenceException()));
        Assert.Equal(StatusCode.InvalidArgument, ApplyFailure.CodeOf(new ArgumentOutOfRangeException("x")));
        Assert.Equal(StatusCode.Internal, ApplyFailure.CodeOf(new NullReferenceException()));
    }
}
