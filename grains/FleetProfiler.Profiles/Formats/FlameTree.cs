using System.Text.Json;

namespace FleetProfiler.Profiles.Formats;

/// <summary>
/// A flamegraph as parallel arrays for the browser (web app, <c>/api/flame</c>): node i has a name and file (ids into
/// <see cref="Strings"/>), a line, its parent's index, its left edge (<see cref="Offset"/>, in value units from the
/// root's left edge) and its self and total values. Nodes are in pre-order (a parent before its children, heavier
/// siblings first, each child starting where the previous one ended), so a client lays frames out in one pass and
/// never recurses. Much smaller and faster to parse than nested objects (<see cref="TreeFormat"/>).
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="MaxNodes"/> nodes. The heaviest nodes are kept (best-first from the root, so every kept
/// node's ancestors are kept); what is left out under a kept node becomes one <c>[other]</c> child, so every total
/// stays exact. <see cref="FoldedNodes"/> says how many source nodes were folded. Nodes of value 0 are left out (a
/// service tree holds every kind; a cpu view has no use for frames that only allocated).
/// A diff lays out by the mean of the two normalized shares (in parts per billion), so frames that vanished and frames
/// that appeared both stay visible; <see cref="Before"/> and <see cref="After"/> hold each side's share of its total.
/// </remarks>
public sealed class FlameTree
{
    /// <summary>Default cap on nodes: what a canvas draws smoothly.</summary>
    public const int DefaultMaxNodes = 50_000;

    /// <summary>The largest cap a caller may ask for.</summary>
    public const int MaxMaxNodes = 200_000;

    /// <summary>Value units of one whole profile in a diff's layout (shares in parts per billion).</summary>
    public const long DiffScale = 1_000_000_000;

    internal FlameTree(int capacity, int maxNodes)
    {
        Name = new int[capacity];
        File = new int[capacity];
        Line = new int[capacity];
        Parent = new int[capacity];
        Offset = new long[capacity];
        Self = new long[capacity];
        Total = new long[capacity];
        MaxNodes = maxNodes;
    }

    /// <summary>Names and files, each once; <see cref="Name"/> and <see cref="File"/> index it.</summary>
    public List<string> Strings { get; } = [];

    /// <summary>Number of nodes (root included).</summary>
    public int Count { get; internal set; }

    /// <summary>Function name id (<c>all</c> for the root, <c>[other]</c> for folded rests).</summary>
    public int[] Name { get; }

    /// <summary>File id, or -1 when unknown.</summary>
    public int[] File { get; }

    /// <summary>Line, or 0 when unknown.</summary>
    public int[] Line { get; }

    /// <summary>Index of the parent node; -1 for the root.</summary>
    public int[] Parent { get; }

    /// <summary>Left edge, in value units from the root's left edge.</summary>
    public long[] Offset { get; }

    /// <summary>Value of the node itself (its total minus its children's).</summary>
    public long[] Self { get; }

    /// <summary>Value of the node and everything below it: its width.</summary>
    public long[] Total { get; }

    /// <summary>Diff only: share of the "before" total in the node and below (0..1).</summary>
    public double[]? Before { get; internal set; }

    /// <summary>Diff only: share of the "after" total in the node and below (0..1).</summary>
    public double[]? After { get; internal set; }

    /// <summary>The cap the tree was built with.</summary>
    public int MaxNodes { get; }

    /// <summary>Nodes of the source tree (of non-zero value) folded into <c>[other]</c> nodes by the cap.</summary>
    public int FoldedNodes { get; internal set; }

    /// <summary>The flamegraph of <paramref name="tree"/> for <paramref name="kind"/>, capped at <paramref name="maxNodes"/>.</summary>
    public static FlameTree Build(CallTree tree, ProfileKind kind, int maxNodes = DefaultMaxNodes)
    {
        ArgumentNullException.ThrowIfNull(tree);
        long[] totals = tree.ComputeTotals(kind);
        // Gauges and counters are never negative here; a negative total (a subtracted tree) draws as nothing.
        for (int i = 0; i < totals.Length; i++) totals[i] = Math.Max(totals[i], 0);
        return FlameTreeBuilder.Build(tree, totals, null, null, maxNodes);
    }

    /// <summary>The flamegraph of a diff: laid out by the mean share of both sides, each side's share per node.</summary>
    public static FlameTree Build(ProfileDiff diff, int maxNodes = DefaultMaxNodes)
    {
        ArgumentNullException.ThrowIfNull(diff);
        int n = diff.Tree.NodeCount;
        var weight = new long[n];
        var before = new double[n];
        var after = new double[n];
        for (int i = 0; i < n; i++)
        {
            before[i] = Math.Max(diff.ShareBefore(i), 0);
            after[i] = Math.Max(diff.ShareAfter(i), 0);
            weight[i] = (long)Math.Round((before[i] + after[i]) / 2 * DiffScale);
        }
        return FlameTreeBuilder.Build(diff.Tree, weight, before, after, maxNodes);
    }

    /// <summary>The tree as one UTF-8 JSON object holding <see cref="WriteProperties"/>'s properties (the <c>flame</c> export format).</summary>
    public byte[] ToUtf8Json()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>(16 * 1024 + Count * 48);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            WriteProperties(json);
            json.WriteEndObject();
        }
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Writes the tree's properties (not the enclosing object), so callers can add their own beside them.</summary>
    public void WriteProperties(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteNumber("nodes", Count);
        json.WriteNumber("maxNodes", MaxNodes);
        json.WriteNumber("foldedNodes", FoldedNodes);
        json.WriteNumber("rootTotal", Count == 0 ? 0 : Total[0]);
        json.WriteStartArray("strings");
        foreach (string s in Strings) json.WriteStringValue(s);
        json.WriteEndArray();
        Ints(json, "name", Name);
        Ints(json, "file", File);
        Ints(json, "line", Line);
        Ints(json, "parent", Parent);
        Longs(json, "offset", Offset);
        Longs(json, "self", Self);
        Longs(json, "total", Total);
        if (Before is not null) Shares(json, "before", Before);
        if (After is not null) Shares(json, "after", After);
    }

    private void Ints(Utf8JsonWriter json, string name, int[] values)
    {
        json.WriteStartArray(name);
        for (int i = 0; i < Count; i++) json.WriteNumberValue(values[i]);
        json.WriteEndArray();
    }

    private void Longs(Utf8JsonWriter json, string name, long[] values)
    {
        json.WriteStartArray(name);
        for (int i = 0; i < Count; i++) json.WriteNumberValue(values[i]);
        json.WriteEndArray();
    }

    private void Shares(Utf8JsonWriter json, string name, double[] values)
    {
        json.WriteStartArray(name);
        // Six digits: a millionth of the profile is far below a pixel, and the reply stays small.
        for (int i = 0; i < Count; i++) json.WriteNumberValue(Math.Round(values[i], 6));
        json.WriteEndArray();
    }
}
