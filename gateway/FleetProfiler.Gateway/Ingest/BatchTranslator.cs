using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Profiles;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// Turns a validated wire batch into a call tree (the gateway does this, so silos only store and merge).
/// An allocation's type becomes the leaf pseudo-frame <c>[alloc] Type</c> under its allocation site
/// (<see cref="Frame.AllocatedType"/>): queries attribute the bytes to the site and list types on their own.
/// A sample labelled <c>endpoint</c> = E goes under the root pseudo-frame <c>[endpoint] E</c>
/// (<see cref="Frame.Endpoint"/>), so windows and every rollup keep per-endpoint trees without tables of their own;
/// queries fold those roots away (<see cref="CallTree.WithoutEndpoints"/>) or read one (<see cref="CallTree.EndpointSubtree"/>).
/// </summary>
public static class BatchTranslator
{
    /// <summary>Nodes a translated window is sized for at most before it grows (a bound on memory for huge windows).</summary>
    private const int MaxPresizedNodes = 1 << 16;

    public static CallTree ToTree(Batch b)
    {
        // Sized once: growing the node arrays and the frame table's maps was ~17 % of the silo's CPU under ingest
        // (docs/benchmarks.md, "Ingest"). A window has at most one node per frame of each sample's stack (plus its
        // endpoint root and allocated type); shared prefixes make it fewer.
        long nodes = 1;
        foreach (var sample in b.Samples)
        {
            var stack = sample.Stack < (uint)b.Stacks.Count ? b.Stacks[(int)sample.Stack].Locations.Count : 0;
            nodes += stack + 2;
        }
        var tree = new CallTree(new FrameTable(b.Locations.Count + 8, b.Strings.Count + 8), (int)Math.Min(nodes, MaxPresizedNodes));
        var frames = tree.Frames;
        var locationFrames = new int[b.Locations.Count];
        for (var i = 0; i < b.Locations.Count; i++)
        {
            var location = b.Locations[i];
            var function = b.Functions[(int)location.Function];
            var file = function.File == 0 ? null : b.Strings[(int)function.File];
            locationFrames[i] = frames.Intern(b.Strings[(int)function.Name], file, (int)location.Line);
        }
        var typeFrames = new Dictionary<uint, int>();
        var endpointFrames = new Dictionary<uint, int>();
        var rented = new int[64];
        foreach (var sample in b.Samples)
        {
            var stack = b.Stacks[(int)sample.Stack].Locations;
            var endpoint = EndpointFrame(b, sample, frames, endpointFrames);
            var offset = endpoint < 0 ? 0 : 1;
            var length = offset + stack.Count + (sample.AllocatedType == 0 ? 0 : 1);
            if (rented.Length < length) rented = new int[Math.Max(length, rented.Length * 2)];
            if (endpoint >= 0) rented[0] = endpoint;
            for (var i = 0; i < stack.Count; i++) rented[offset + i] = locationFrames[stack[i]];
            if (sample.AllocatedType != 0)
            {
                if (!typeFrames.TryGetValue(sample.AllocatedType, out var typeFrame))
                    typeFrames[sample.AllocatedType] = typeFrame = frames.Intern(Frame.AllocatedType(b.Strings[(int)sample.AllocatedType]));
                rented[offset + stack.Count] = typeFrame;
            }
            tree.Add(rented.AsSpan(0, length), new SampleValues(sample.CpuSamples, sample.WallSamples, sample.AllocBytes, sample.AllocCount, sample.InuseBytes, sample.InuseCount));
        }
        return tree;
    }

    /// <summary>The frame id of the sample's <c>[endpoint] E</c> root, or -1 when it carries no endpoint label.</summary>
    private static int EndpointFrame(Batch b, Sample sample, FrameTable frames, Dictionary<uint, int> endpointFrames)
    {
        foreach (var label in sample.Labels)
        {
            if (b.Strings[(int)label.Key] != EndpointNames.LabelKey) continue;
            if (!endpointFrames.TryGetValue(label.Value, out var frame))
                endpointFrames[label.Value] = frame = frames.Intern(Frame.Endpoint(b.Strings[(int)label.Value]));
            return frame;
        }
        return -1;
    }

    public static byte[] ToEncodedTree(Batch b) => CallTreeCodec.Serialize(ToTree(b));

    /// <summary>The distinct (repository-relative, original) file pairs a batch names where the two differ; null when none.</summary>
    public static IReadOnlyList<Abstractions.Profiles.SourcePath>? SourcePaths(Batch b)
    {
        HashSet<Abstractions.Profiles.SourcePath>? pairs = null;
        foreach (var f in b.Functions)
        {
            if (f.File == 0 || f.OriginalFile == 0 || f.File == f.OriginalFile) continue;
            var path = b.Strings[(int)f.File];
            var original = b.Strings[(int)f.OriginalFile];
            if (path == original) continue;
            (pairs ??= []).Add(new Abstractions.Profiles.SourcePath(path, original));
        }
        return pairs is null ? null : [.. pairs];
    }
}
