namespace FleetProfiler.Profiles.Ownership;

/// <summary>
/// Finds each endpoint's handler file in a profile whose samples sit under endpoint root frames
/// (<c>[endpoint] GET /orders/{id}</c>): among the files of the service's own code (repository-relative paths; the
/// framework's frames have none) on the endpoint's samples, the one on the most samples; on a tie the innermost
/// (the deepest first appearance). A handler's file is on nearly every sample of its route, a helper's only on
/// some, and middleware of the service's own code ties with the handler but sits above it, so the handler wins;
/// a handler that does nothing but call one helper gives that helper's file, the innermost own-code frame common
/// to the route's samples.
/// </summary>
public static class HandlerFiles
{
    /// <summary>Handler file per endpoint ("METHOD route"); endpoints with no own-code frame are absent.</summary>
    public static IReadOnlyDictionary<string, string> ByEndpoint(CallTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var votes = new Dictionary<string, Dictionary<string, (long Samples, double DepthSum)>>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        tree.ForEachStack((frames, self) =>
        {
            if (frames.Length < 2) return;
            var root = tree.Frames.GetFunction(frames[0]);
            if (!root.StartsWith(Frame.EndpointPrefix, StringComparison.Ordinal)) return;
            var weight = Weight(self);
            if (weight == 0) return;
            seen.Clear();
            for (var d = 1; d < frames.Length; d++)
                if (tree.Frames.GetFile(frames[d]) is { } file && IsRepositoryRelative(file)) seen.TryAdd(file, d);
            if (seen.Count == 0) return;
            var endpoint = root[Frame.EndpointPrefix.Length..];
            if (!votes.TryGetValue(endpoint, out var files)) votes[endpoint] = files = new(StringComparer.Ordinal);
            foreach (var (file, depth) in seen)
            {
                var v = files.GetValueOrDefault(file);
                files[file] = (v.Samples + weight, v.DepthSum + (double)depth * weight);
            }
        });
        return votes.ToDictionary(
            kv => kv.Key,
            kv => kv.Value.OrderByDescending(f => f.Value.Samples).ThenByDescending(f => f.Value.DepthSum / f.Value.Samples)
                .ThenBy(f => f.Key, StringComparer.Ordinal).First().Key,
            StringComparer.Ordinal);
    }

    /// <summary>Own-code files seen in a profile (repository-relative), most samples first, at most <paramref name="max"/>.</summary>
    public static IReadOnlyList<string> OwnFiles(CallTree tree, int max)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var kind = tree.Total.CpuSamples > 0 ? ProfileKind.Cpu : tree.Total.WallSamples > 0 ? ProfileKind.Wall : ProfileKind.Alloc;
        return [.. tree.TopFiles(kind, int.MaxValue, RankBy.Total).Select(f => f.File).Where(IsRepositoryRelative).Take(max)];
    }

    /// <summary>
    /// True for a path relative to the repository root (<c>src/Orders/Api.cs</c>): the agent maps the service's own
    /// PDB paths so; absolute paths (<c>/home/ci/…</c>, <c>C:\…</c>) and URLs are not the service's code as checked in.
    /// </summary>
    public static bool IsRepositoryRelative(string path) =>
        path.Length > 0 && path[0] is not ('/' or '\\') && !(path.Length > 1 && path[1] == ':') && !path.Contains("://", StringComparison.Ordinal);

    // What a sample weighs: CPU samples when the profile has them, else wall samples, else allocation count.
    private static long Weight(SampleValues v) => v.CpuSamples > 0 ? v.CpuSamples : v.WallSamples > 0 ? v.WallSamples : v.AllocCount;
}
