using FleetProfiler.Gateway.Ingest;
using FleetProfiler.Profiles;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;

namespace FleetProfiler.Tests.Fuzz;

/// <summary>What the gateway made of one fuzz input.</summary>
public enum FuzzOutcome
{
    /// <summary>Not a protobuf Batch: gRPC refuses it before the gateway's code runs.</summary>
    Undecodable,
    /// <summary>Rejected with a reason (the documented answer to a bad batch).</summary>
    Rejected,
    /// <summary>Accepted: translated, encoded, decoded back with the same totals, merged into a rollup.</summary>
    Accepted,
}

/// <summary>
/// The ingest path in process, as the stream runs it: decode the bytes, <see cref="PreparedBatch.Prepare"/> (validator and
/// translator), then what the silo does with an accepted window (decode its tree, merge it into a bucket, prune, encode
/// compressed and decode again). Any exception escaping <see cref="Run"/> is a crash.
/// </summary>
public sealed class IngestPipeline(BatchLimits limits, DateTimeOffset now)
{
    private CallTree _bucket = new();
    private int _merged;

    public static readonly DateTimeOffset FuzzNow = TestBatches.Epoch.AddMinutes(1);

    public static IngestPipeline Default() => new(new BatchLimits(), FuzzNow);

    public FuzzOutcome Run(byte[] bytes)
    {
        Batch batch;
        try
        {
            batch = Batch.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return FuzzOutcome.Undecodable;
        }
        return Run(batch);
    }

    /// <summary>
    /// What may be stored: totals that did not wrap (no column negative), a finite sampling interval, a window inside
    /// [now − max_window_age, now + max_clock_skew]. A window breaking them is a crash too: it was accepted silently.
    /// </summary>
    private void Stored(Abstractions.Profiles.ProfileWindowUpload window, SampleValues total)
    {
        if (total.CpuSamples < 0 || total.WallSamples < 0 || total.AllocBytes < 0 || total.AllocCount < 0 || total.InuseBytes < 0 || total.InuseCount < 0)
            throw new OverflowException($"an accepted window's totals wrapped: {total}");
        if (!double.IsFinite(window.SamplingIntervalMs)) throw new ArithmeticException($"an accepted window's sampling interval is {window.SamplingIntervalMs}");
        if (window.WindowStart < now - limits.MaxWindowAge || window.WindowEnd > now + limits.MaxClockSkew)
            throw new ArgumentOutOfRangeException(nameof(window), $"an accepted window lies outside the accepted times: {window.WindowStart:O}..{window.WindowEnd:O}");
    }

    public FuzzOutcome Run(Batch batch)
    {
        var prepared = PreparedBatch.Prepare(batch, limits, now, "fuzz-agent");
        if (prepared.Error is not null) return FuzzOutcome.Rejected;
        if (prepared.Window is { } window)
        {
            Stored(window, prepared.WindowTotal);
            var tree = CallTreeCodec.Deserialize(window.Tree);
            if (tree.Total != prepared.WindowTotal)
                throw new InvalidOperationException($"the window's totals changed through the codec: {prepared.WindowTotal} became {tree.Total}");
            _bucket.MergeFrom(tree, GaugeMerge.Peak);
            if (++_merged % 64 == 0)
            {
                // What the rollup does with a minute bucket: prune, store compressed, read back.
                _bucket.Prune(2_000);
                var total = _bucket.Total;
                _bucket = CallTreeCodec.Deserialize(CallTreeCodec.Serialize(_bucket, compress: true));
                if (_bucket.Total != total) throw new InvalidOperationException($"a bucket's totals changed through the codec: {total} became {_bucket.Total}");
                if (_merged % 1024 == 0) _bucket = new CallTree();
            }
        }
        return FuzzOutcome.Accepted;
    }
}
