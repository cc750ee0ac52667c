using System.Text;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Formats;

namespace FleetProfiler.Gateway.Query;

/// <summary>Turns a merged tree into the bytes of one export format.</summary>
public static class ProfileRendering
{
    public static readonly string[] Formats = ["tree", "flame", "folded", "pprof", "speedscope", "svg"];

    public static string Format(string format)
    {
        if (string.IsNullOrEmpty(format)) return "folded";
        return Array.IndexOf(Formats, format) >= 0
            ? format
            : throw QueryArguments.Invalid($"format: unknown format '{format}' ({string.Join(", ", Formats)})");
    }

    public static (byte[] Data, string ContentType) Render(CallTree tree, ProfileKind kind, string format, string title, MergedProfile profile, TimeRange range, double minShare)
    {
        var interval = profile.SamplingIntervalMs > 0 ? TimeSpan.FromMilliseconds(profile.SamplingIntervalMs) : TimeSpan.FromMilliseconds(1);
        return format switch
        {
            "folded" => (Encoding.UTF8.GetBytes(FoldedFormat.Write(tree, kind)), "text/plain; charset=utf-8"),
            "tree" => (TreeFormat.ToUtf8Json(TreeFormat.Build(tree, kind, new TreeOptions(MinShare: minShare))), "application/json"),
            "flame" => (FlameTree.Build(tree, kind).ToUtf8Json(), "application/json"),
            "pprof" => (PprofEncoder.Encode(tree, kind, new PprofOptions { SamplingInterval = interval, Start = range.From, Duration = range.To - range.From }), "application/vnd.google.protobuf+gzip"),
            "speedscope" => (SpeedscopeFormat.ToUtf8Json(tree, kind, new SpeedscopeOptions { Name = title, SamplingInterval = interval }), "application/json"),
            "svg" => (Encoding.UTF8.GetBytes(FlameGraphSvg.Render(tree, kind, new FlameGraphOptions { Title = title, Unit = ProfileTypes.Of(kind).Unit })), "image/svg+xml"),
            _ => throw QueryArguments.Invalid($"format: unknown format '{format}'"),
        };
    }
}
