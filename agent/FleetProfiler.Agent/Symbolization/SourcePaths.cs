using System.Text.Json;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>A source file as people know it (<see cref="Path"/>, repository-relative when a rule applied) and as the PDB named it.</summary>
/// <param name="Path">Repository-relative (<c>src/Orders/Handler.cs</c>) when a rule applied, else <see cref="Original"/>.</param>
/// <param name="Original">The document name in the PDB: a build path (<c>/home/ci/work/src/Orders/Handler.cs</c>) or a deterministic one (<c>/_/src/…</c>).</param>
public sealed record SourcePath(string Path, string Original)
{
    public bool IsMapped => !string.Equals(Path, Original, StringComparison.Ordinal);
}

/// <summary>
/// Turns a PDB's document path into a repository-relative one, by the first rule that applies:
/// 1. a deterministic build's path map (<c>/_/src/x.cs</c>, or <c>/_1/…</c> for a second source root): the rest;
/// 2. the SourceLink document map (<c>"/home/ci/work/*": "https://…/commit/*"</c>): the part the <c>*</c> matches;
/// 3. a prefix configured for the service (<c>Agent:SourcePathPrefixes</c>): the rest.
/// Otherwise the path stays as it is. Separators become <c>/</c>.
/// </summary>
public sealed class SourcePathRules(IReadOnlyList<string> prefixes)
{
    /// <summary>PDB custom debug information kind of the SourceLink JSON.</summary>
    public static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    private readonly string[] _prefixes = prefixes.Select(Normalize).Where(p => p.Length > 0).Select(p => p.EndsWith('/') ? p : p + "/")
        .OrderByDescending(p => p.Length).ToArray();

    /// <param name="document">The PDB's document name.</param>
    /// <param name="sourceLinkRoots">Local prefixes of the module's SourceLink document map (keys ending in <c>*</c>, without it).</param>
    public SourcePath Map(string document, IReadOnlyList<string> sourceLinkRoots)
    {
        var path = Normalize(document);
        return new SourcePath(Deterministic(path) ?? StripFirst(path, sourceLinkRoots.Select(Normalize)) ?? StripFirst(path, _prefixes) ?? path, document);
    }

    /// <summary><c>/_/a/b.cs</c> and <c>/_12/a/b.cs</c> give <c>a/b.cs</c>; anything else null.</summary>
    internal static string? Deterministic(string path)
    {
        if (!path.StartsWith("/_", StringComparison.Ordinal))
        {
            return null;
        }
        var i = 2;
        while (i < path.Length && char.IsAsciiDigit(path[i]))
        {
            i++;
        }
        return i < path.Length - 1 && path[i] == '/' ? path[(i + 1)..] : null;
    }

    private static string? StripFirst(string path, IEnumerable<string> roots)
    {
        foreach (var root in roots)
        {
            if (root.Length > 0 && path.Length > root.Length && path.StartsWith(root, StringComparison.Ordinal) && root[^1] == '/')
            {
                return path[root.Length..];
            }
        }
        return null;
    }

    private static string Normalize(string path) => path.Replace('\\', '/');

    /// <summary>
    /// The local prefixes of a SourceLink JSON (<c>{"documents": {"/src/repo/*": "https://…/*"}}</c>): keys that end in
    /// <c>/*</c>, without the <c>*</c>, longest first. Exact-file keys say nothing about a root and are skipped.
    /// </summary>
    public static IReadOnlyList<string> SourceLinkRoots(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            if (!doc.RootElement.TryGetProperty("documents", out var documents) || documents.ValueKind != JsonValueKind.Object)
            {
                return [];
            }
            return documents.EnumerateObject()
                .Select(p => Normalize(p.Name))
                .Where(k => k.EndsWith("/*", StringComparison.Ordinal))
                .Select(k => k[..^1])
                .OrderByDescending(k => k.Length)
                .ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
