using System.Text.Json;

namespace FleetProfiler.Profiles.Formats;

/// <summary>Settings of a speedscope export.</summary>
public sealed record SpeedscopeOptions
{
    /// <summary>Profile name shown by speedscope.</summary>
    public string Name { get; init; } = "profile";

    /// <summary>
    /// When set, CPU / wall weights are samples × this interval in nanoseconds (unit <c>nanoseconds</c>);
    /// otherwise they are sample counts (unit <c>none</c>). Alloc weights are always bytes.
    /// </summary>
    public TimeSpan? SamplingInterval { get; init; }
}

/// <summary>
/// speedscope's file format (https://www.speedscope.app/file-format-schema.json): one "sampled" profile whose
/// samples are the tree's stacks (root first, indices into the shared frame list) weighted by their self value.
/// Stacks with a value &lt;= 0 are left out (speedscope cannot draw them).
/// </summary>
public static class SpeedscopeFormat
{
    /// <summary>The schema URL speedscope checks.</summary>
    public const string Schema = "https://www.speedscope.app/file-format-schema.json";

    /// <summary>Writes UTF-8 JSON to <paramref name="output"/>.</summary>
    public static void Write(Stream output, CallTree tree, ProfileKind kind, SpeedscopeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var json = new Utf8JsonWriter(output);
        Write(json, tree, kind, options);
    }

    /// <summary>The JSON as UTF-8 bytes.</summary>
    public static byte[] ToUtf8Json(CallTree tree, ProfileKind kind, SpeedscopeOptions? options = null)
    {
        using var output = new MemoryStream();
        Write(output, tree, kind, options);
        return output.ToArray();
    }

    /// <summary>The JSON as a string.</summary>
    public static string ToJson(CallTree tree, ProfileKind kind, SpeedscopeOptions? options = null) =>
        System.Text.Encoding.UTF8.GetString(ToUtf8Json(tree, kind, options));

    /// <summary>Writes the speedscope document with <paramref name="json"/>.</summary>
    public static void Write(Utf8JsonWriter json, CallTree tree, ProfileKind kind, SpeedscopeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(tree);
        options ??= new SpeedscopeOptions();
        long multiplier = ProfileTypes.Of(kind).IsTimeSampled && options.SamplingInterval is { } interval ? interval.Ticks * 100 : 1;
        string unit = !ProfileTypes.Of(kind).IsTimeSampled ? ProfileTypes.Of(kind).Unit : options.SamplingInterval is null ? "none" : "nanoseconds";

        FrameTable frames = tree.Frames;
        ReadOnlySpan<long> keys = tree.Keys;
        ReadOnlySpan<SampleValues> self = tree.Self;
        int[] frameIndex = new int[frames.Count];
        Array.Fill(frameIndex, -1);
        var used = new List<int>();
        long total = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            if (self[i].Get(kind) <= 0) continue;
            total += self[i].Get(kind) * multiplier;
            for (int n = i; n != CallTree.Root; n = (int)(keys[n] >> 32))
            {
                int f = (int)keys[n];
                if (frameIndex[f] >= 0) continue;
                frameIndex[f] = used.Count;
                used.Add(f);
            }
        }

        json.WriteStartObject();
        json.WriteString("$schema", Schema);
        json.WriteString("version", "0.7.1");
        json.WriteString("exporter", "FleetProfiler");
        json.WriteString("name", options.Name);
        json.WriteNumber("activeProfileIndex", 0);
        json.WriteStartObject("shared");
        json.WriteStartArray("frames");
        foreach (int f in used)
        {
            json.WriteStartObject();
            json.WriteString("name", frames.GetFunction(f));
            if (frames.GetFile(f) is { } file) json.WriteString("file", file);
            if (frames.GetLine(f) > 0) json.WriteNumber("line", frames.GetLine(f));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartArray("profiles");
        json.WriteStartObject();
        json.WriteString("type", "sampled");
        json.WriteString("name", options.Name);
        json.WriteString("unit", unit);
        json.WriteNumber("startValue", 0);
        json.WriteNumber("endValue", total);
        json.WriteStartArray("samples");
        var path = new List<int>(64);
        for (int i = 0; i < keys.Length; i++)
        {
            if (self[i].Get(kind) <= 0) continue;
            path.Clear();
            for (int n = i; n != CallTree.Root; n = (int)(keys[n] >> 32)) path.Add(frameIndex[(int)keys[n]]);
            json.WriteStartArray();
            for (int j = path.Count - 1; j >= 0; j--) json.WriteNumberValue(path[j]);   // root first
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteStartArray("weights");
        for (int i = 0; i < keys.Length; i++)
            if (self[i].Get(kind) > 0) json.WriteNumberValue(self[i].Get(kind) * multiplier);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
    }
}
