using FleetProfiler.Profiles;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// Turns a validated wire batch into a call tree (the gateway does this, so silos only store and merge).
/// An allocation's type becomes the leaf pseudo-frame <c>[alloc] Type</c> under its allocation site
/// (<see cref="Frame.AllocatedType"/>): queries attribute the bytes to the site and list types on their own.
/// </summary>
public static class BatchTranslator
{
    public static CallTree ToTree(Batch b)
    {
        var tree = new CallTree();
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
        var rented = new int[64];
        foreach (var sample in b.Samples)
        {
            var stack = b.Stacks[(int)sample.Stack].Locations;
            var length = stack.Count + (sample.AllocatedType == 0 ? 0 : 1);
            if (rented.Length < length) rented = new int[Math.Max(length, rented.Length * 2)];
            for (var i = 0; i < stack.Count; i++) rented[i] = locationFrames[stack[i]];
            if (sample.AllocatedType != 0)
            {
                if (!typeFrames.TryGetValue(sample.AllocatedType, out var typeFrame))
                    typeFrames[sample.AllocatedType] = typeFrame = frames.Intern(Frame.AllocatedType(b.Strings[(int)sample.AllocatedType]));
                rented[stack.Count] = typeFrame;
            }
            tree.Add(rented.AsSpan(0, length), new SampleValues(sample.CpuSamples, sample.WallSamples, sample.AllocBytes, sample.AllocCount, sample.InuseBytes, sample.InuseCount));
        }
        return tree;
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
