using System.Text.Json;

namespace FleetProfiler.Profiles.Formats;

/// <summary>
/// One node of a JSON-friendly nested profile for the web UI. <see cref="Total"/> includes children that
/// were cut by <see cref="TreeOptions"/>, so widths stay true.
/// </summary>
/// <param name="Name">Function name ("all" for the root).</param>
/// <param name="File">Source file, when known.</param>
/// <param name="Line">Source line, when known.</param>
/// <param name="Self">Value of the node itself.</param>
/// <param name="Total">Value of the node and everything below it.</param>
/// <param name="Children">Visible children, largest total first.</param>
public sealed record TreeNode(string Name, string? File, int? Line, long Self, long Total, IReadOnlyList<TreeNode> Children)
{
    /// <summary>Diff only: share of the "before" total in this node and below (0..1).</summary>
    public double? Before { get; init; }

    /// <summary>Diff only: share of the "after" total in this node and below (0..1).</summary>
    public double? After { get; init; }
}

/// <summary>Cuts applied when building a <see cref="TreeNode"/> tree.</summary>
/// <param name="MaxDepth">Deepest level kept (root = 0).</param>
/// <param name="MinShare">Nodes whose total is below this share of the root total are left out (0..1).
/// For diffs the larger of the two shares counts.</param>
public sealed record TreeOptions(int MaxDepth = 1024, double MinShare = 0);

/// <summary>Builds <see cref="TreeNode"/> trees and writes them as JSON (camelCase).</summary>
public static class TreeFormat
{
    /// <summary>The nested tree of <paramref name="tree"/> for <paramref name="kind"/>.</summary>
    public static TreeNode Build(CallTree tree, ProfileKind kind, TreeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        options ??= new TreeOptions();
        long[] totals = tree.ComputeTotals(kind);
        long rootTotal = Math.Abs(totals[CallTree.Root]);
        return Build(tree, totals, options, node => Math.Abs(totals[node]) >= options.MinShare * rootTotal,
            static (result, _) => result);
    }

    /// <summary>
    /// The nested tree of a diff: <see cref="TreeNode.Self"/> and <see cref="TreeNode.Total"/> are the "after"
    /// values; <see cref="TreeNode.Before"/> and <see cref="TreeNode.After"/> are the normalized shares.
    /// </summary>
    public static TreeNode Build(ProfileDiff diff, TreeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(diff);
        options ??= new TreeOptions();
        long[] totals = diff.Tree.ComputeTotals(diff.Kind);
        return Build(diff.Tree, totals, options,
            node => Math.Max(diff.ShareBefore(node), diff.ShareAfter(node)) >= options.MinShare,
            (n, node) => n with { Before = diff.ShareBefore(node), After = diff.ShareAfter(node) });
    }

    private static TreeNode Build(CallTree tree, long[] totals, TreeOptions options, Func<int, bool> visible, Func<TreeNode, int, TreeNode> decorate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxDepth);
        var children = tree.BuildChildIndex((a, b) =>
        {
            int c = totals[b].CompareTo(totals[a]);
            return c != 0 ? c : tree.CompareByFrame(a, b);
        });
        int[] order = tree.Preorder(children, out int[] depth, out _);
        var built = new TreeNode?[tree.NodeCount];
        // Bottom-up (reverse pre-order) so children exist before their parent: no recursion on deep trees.
        for (int k = order.Length - 1; k >= 0; k--)
        {
            int node = order[k];
            if (node != CallTree.Root && (depth[node] > options.MaxDepth || !visible(node))) continue;
            var kids = new List<TreeNode>();
            foreach (int c in children.ChildrenOf(node))
                if (built[c] is { } child) kids.Add(child);
            long self = totals[node];
            foreach (int c in children.ChildrenOf(node)) self -= totals[c];
            TreeNode result;
            if (node == CallTree.Root)
            {
                result = new TreeNode("all", null, null, self, totals[node], kids);
            }
            else
            {
                Frame frame = tree.FrameOf(node);
                result = new TreeNode(frame.Function, frame.File, frame.Line > 0 ? frame.Line : null, self, totals[node], kids);
            }
            built[node] = decorate(result, node);
        }
        return built[CallTree.Root]!;
    }

    /// <summary>Writes <paramref name="root"/> as JSON: name, file, line, self, total, [before, after,] children.</summary>
    public static void WriteJson(Utf8JsonWriter json, TreeNode root)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(root);
        json.WriteStartObject();
        json.WriteString("name", root.Name);
        if (root.File is not null) json.WriteString("file", root.File);
        if (root.Line is { } line) json.WriteNumber("line", line);
        json.WriteNumber("self", root.Self);
        json.WriteNumber("total", root.Total);
        if (root.Before is { } before) json.WriteNumber("before", before);
        if (root.After is { } after) json.WriteNumber("after", after);
        json.WriteStartArray("children");
        foreach (TreeNode child in root.Children) WriteJson(json, child);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><paramref name="root"/> as a JSON string (nesting limit raised for deep stacks).</summary>
    public static string ToJson(TreeNode root) => System.Text.Encoding.UTF8.GetString(ToUtf8Json(root));

    /// <summary>
    /// <paramref name="root"/> as UTF-8 JSON bytes, written once into a buffer of the size it needs (no string in
    /// between: a 24 h service tree is megabytes).
    /// </summary>
    public static byte[] ToUtf8Json(TreeNode root)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        // The writer's structure checks are redundant here (WriteJson balances every object and array).
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { MaxDepth = 64 * 1024, SkipValidation = true }))
            WriteJson(json, root);
        return output.WrittenSpan.ToArray();
    }
}
