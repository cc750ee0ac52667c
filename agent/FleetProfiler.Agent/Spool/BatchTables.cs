using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.Spool;

/// <summary>
/// Builds a batch's interned tables (docs/protocol.md, "Batches and interning"): every string, function, location
/// and stack once, referred to by index. <c>strings[0]</c> is "". Keeps the batch within the per-string and
/// per-stack limits: a longer string is cut (ending in "…"), a deeper stack keeps its leaf-most frames under a
/// root pseudo-frame <c>[truncated N frames]</c> (the leaf is where the cost is).
/// </summary>
public sealed class BatchTables
{
    public const string Ellipsis = "…";

    private readonly BatchLimits _limits;
    private readonly Batch _batch;
    private readonly Dictionary<string, uint> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<(uint Name, uint File), uint> _functions = [];
    private readonly Dictionary<(uint Function, uint Line), uint> _locations = [];
    private readonly Dictionary<string, uint> _stacks = new(StringComparer.Ordinal);
    private readonly Dictionary<(uint Stack, uint Type, string Labels), Sample> _samples = [];

    public BatchTables(Batch batch, BatchLimits limits)
    {
        _batch = batch;
        _limits = limits;
        _batch.Strings.Add("");
        _strings[""] = 0;
    }

    public uint String(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }
        if (_strings.TryGetValue(text, out var index))
        {
            return index;
        }
        var stored = text.Length <= _limits.MaxStringLength
            ? text
            : text[..Math.Max(0, _limits.MaxStringLength - Ellipsis.Length)] + Ellipsis;
        index = (uint)_batch.Strings.Count;
        _batch.Strings.Add(stored);
        _strings[text] = index;
        return index;
    }

    /// <param name="originalFile">The PDB's own path of <paramref name="file"/> when that was made repository-relative.</param>
    public uint Location(string function, string? file, int line, string? originalFile = null)
    {
        var functionKey = (String(function), String(file));
        if (!_functions.TryGetValue(functionKey, out var functionIndex))
        {
            functionIndex = (uint)_batch.Functions.Count;
            _batch.Functions.Add(new Function { Name = functionKey.Item1, File = functionKey.Item2, OriginalFile = String(originalFile) });
            _functions[functionKey] = functionIndex;
        }

        var locationKey = (functionIndex, (uint)Math.Max(0, line));
        if (!_locations.TryGetValue(locationKey, out var locationIndex))
        {
            locationIndex = (uint)_batch.Locations.Count;
            _batch.Locations.Add(new Location { Function = functionIndex, Line = locationKey.Item2 });
            _locations[locationKey] = locationIndex;
        }
        return locationIndex;
    }

    /// <summary>A stack of location indices, root first; truncated to <see cref="BatchLimits.MaxFramesPerStack"/>.</summary>
    public uint Stack(IReadOnlyList<uint> rootFirst)
    {
        IReadOnlyList<uint> locations = rootFirst;
        if (rootFirst.Count > _limits.MaxFramesPerStack)
        {
            var keep = Math.Max(0, _limits.MaxFramesPerStack - 1);
            var dropped = rootFirst.Count - keep;
            var marker = Location($"[truncated {dropped} frames]", null, 0);
            locations = [marker, .. rootFirst.Skip(dropped)];
        }

        var key = string.Join(',', locations);
        if (!_stacks.TryGetValue(key, out var index))
        {
            index = (uint)_batch.Stacks.Count;
            var stack = new Stack();
            stack.Locations.Add(locations);
            _batch.Stacks.Add(stack);
            _stacks[key] = index;
        }
        return index;
    }

    /// <summary>Adds values to the sample of (stack, allocated type, labels); samples that meet after truncation merge.</summary>
    public void Sample(uint stack, uint allocatedType, IReadOnlyList<(uint Key, uint Value)> labels, long cpu, long wall, long allocBytes, long allocCount,
        long inuseBytes = 0, long inuseCount = 0)
    {
        var labelKey = labels.Count == 0 ? "" : string.Join(',', labels.Select(l => $"{l.Key}={l.Value}"));
        if (!_samples.TryGetValue((stack, allocatedType, labelKey), out var sample))
        {
            sample = new Sample { Stack = stack, AllocatedType = allocatedType };
            foreach (var (key, value) in labels)
            {
                sample.Labels.Add(new Label { Key = key, Value = value });
            }
            _samples[(stack, allocatedType, labelKey)] = sample;
            _batch.Samples.Add(sample);
        }
        sample.CpuSamples += cpu;
        sample.WallSamples += wall;
        sample.AllocBytes += allocBytes;
        sample.AllocCount += allocCount;
        sample.InuseBytes += inuseBytes;
        sample.InuseCount += inuseCount;
    }
}
