using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.Spool;

/// <summary>
/// Keeps batches within the gateway's limits. A batch that fits is left alone; one that does not is rebuilt from
/// halves of its samples (each part with its own tables, the same header; the first part carries
/// <c>dropped_windows</c>) until every part fits. A single sample that cannot fit on its own is dropped and counted.
/// </summary>
public static class BatchSplitter
{
    public sealed record Result(IReadOnlyList<Batch> Parts, int DroppedSamples)
    {
        public bool Unchanged { get; init; }
    }

    /// <summary>Null when <paramref name="batch"/> is within <paramref name="limits"/>, else the first limit it breaks.</summary>
    public static string? Violation(Batch batch, BatchLimits limits)
    {
        var size = batch.CalculateSize() + BatchLimits.HeaderReserve;
        if (size > limits.MaxBatchBytes)
        {
            return $"{size} bytes > max_batch_bytes {limits.MaxBatchBytes}";
        }
        if (batch.Strings.Count > limits.MaxStrings)
        {
            return $"{batch.Strings.Count} strings > max_strings {limits.MaxStrings}";
        }
        if (batch.Stacks.Count > limits.MaxStacks)
        {
            return $"{batch.Stacks.Count} stacks > max_stacks {limits.MaxStacks}";
        }
        if (batch.Samples.Count > limits.MaxSamples)
        {
            return $"{batch.Samples.Count} samples > max_samples {limits.MaxSamples}";
        }
        for (var i = 0; i < batch.Strings.Count; i++)
        {
            if (batch.Strings[i].Length > limits.MaxStringLength)
            {
                return $"strings[{i}] longer than max_string_length {limits.MaxStringLength}";
            }
        }
        for (var i = 0; i < batch.Stacks.Count; i++)
        {
            if (batch.Stacks[i].Locations.Count > limits.MaxFramesPerStack)
            {
                return $"stacks[{i}] deeper than max_frames_per_stack {limits.MaxFramesPerStack}";
            }
        }
        return null;
    }

    public static Result Split(Batch batch, BatchLimits limits)
    {
        if (Violation(batch, limits) is null)
        {
            return new Result([batch], 0) { Unchanged = true };
        }

        var parts = new List<Batch>();
        var dropped = 0;
        SplitRange(batch, 0, batch.Samples.Count, limits, parts, ref dropped);
        if (parts.Count == 0)
        {
            // Nothing fit: keep an empty window so the header (and dropped_windows) still arrive.
            parts.Add(Rebuild(batch, 0, 0, limits));
        }
        for (var i = 1; i < parts.Count; i++)
        {
            parts[i].DroppedWindows = 0;
        }
        return new Result(parts, dropped);
    }

    private static void SplitRange(Batch source, int start, int count, BatchLimits limits, List<Batch> parts, ref int dropped)
    {
        var part = Rebuild(source, start, count, limits);
        if (Violation(part, limits) is null)
        {
            parts.Add(part);
            return;
        }
        if (count <= 1)
        {
            dropped += count;
            return;
        }
        var half = count / 2;
        SplitRange(source, start, half, limits, parts, ref dropped);
        SplitRange(source, start + half, count - half, limits, parts, ref dropped);
    }

    /// <summary>A batch with <paramref name="source"/>'s header and samples [start, start+count), re-interned.</summary>
    public static Batch Rebuild(Batch source, int start, int count, BatchLimits limits)
    {
        var batch = BatchBuilder.CopyHeader(source);
        var tables = new BatchTables(batch, limits);
        var locations = new List<uint>(64);
        var labels = new List<(uint, uint)>();
        for (var i = start; i < start + count; i++)
        {
            var sample = source.Samples[i];
            locations.Clear();
            foreach (var location in source.Stacks[(int)sample.Stack].Locations)
            {
                var l = source.Locations[(int)location];
                var f = source.Functions[(int)l.Function];
                locations.Add(tables.Location(source.Strings[(int)f.Name], source.Strings[(int)f.File], (int)l.Line, source.Strings[(int)f.OriginalFile]));
            }
            // Stack, type, then labels: the canonical order stream interning expects (docs/protocol.md).
            var stack = tables.Stack(locations);
            var type = tables.String(source.Strings[(int)sample.AllocatedType]);
            labels.Clear();
            foreach (var label in sample.Labels)
            {
                labels.Add((tables.String(source.Strings[(int)label.Key]), tables.String(source.Strings[(int)label.Value])));
            }
            tables.Sample(stack, type, labels,
                sample.CpuSamples, sample.WallSamples, sample.AllocBytes, sample.AllocCount, sample.InuseBytes, sample.InuseCount);
        }
        return batch;
    }
}
