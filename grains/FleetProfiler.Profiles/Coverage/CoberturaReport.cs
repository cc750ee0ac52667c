using System.Xml;

namespace FleetProfiler.Profiles.Coverage;

/// <summary>One source file of a Cobertura report: lines with a hit count (executable) and those hit at least once.</summary>
public sealed record CoberturaFile(string Path, LineSet Executable, LineSet Covered);

/// <summary>
/// A Cobertura XML report as coverlet and <c>dotnet-coverage</c> write it, read strictly: elements outside the
/// Cobertura vocabulary, line numbers outside 1..<see cref="LineSet.MaxLine"/>, negative or non-numeric hits, DTDs,
/// paths that cannot be made repository-relative are each a <see cref="ProfileDataException"/> naming the element and
/// its line in the XML. Lines of one file listed several times (a class's lines and its methods' lines, partial
/// classes) are one line, covered when any entry hit it.
/// </summary>
public sealed class CoberturaReport
{
    /// <summary>Files one report may name.</summary>
    public const int MaxFiles = 20_000;

    private static readonly HashSet<string> Elements =
        ["coverage", "sources", "source", "packages", "package", "classes", "class", "methods", "method", "lines", "line", "conditions", "condition"];

    private CoberturaReport(IReadOnlyList<CoberturaFile> files, long reportedValid, long reportedCovered)
    {
        Files = files;
        ReportedLinesValid = reportedValid;
        ReportedLinesCovered = reportedCovered;
    }

    /// <summary>The report's files, by repository-relative path (ordinal order).</summary>
    public IReadOnlyList<CoberturaFile> Files { get; }

    /// <summary>The root element's <c>lines-valid</c> and <c>lines-covered</c> (-1 when absent).</summary>
    public long ReportedLinesValid { get; }

    /// <inheritdoc cref="ReportedLinesValid"/>
    public long ReportedLinesCovered { get; }

    /// <summary>Distinct (file, line) pairs, and of those covered.</summary>
    public int LinesValid => Files.Sum(f => f.Executable.Count);

    /// <inheritdoc cref="LinesValid"/>
    public int LinesCovered => Files.Sum(f => f.Covered.Count);

    /// <summary>
    /// Parses a report. Paths: a class's <c>filename</c>, made absolute with the report's single <c>source</c> when it
    /// is relative, then made relative to <paramref name="root"/> when given, else stripped of a deterministic build's
    /// <c>/_/</c>, else kept relative to the source.
    /// </summary>
    public static CoberturaReport Parse(string xml, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreWhitespace = true };
        var sources = new List<string>();
        var lines = new SortedDictionary<string, (HashSet<int> All, HashSet<int> Hit)>(StringComparer.Ordinal);
        var relativeNames = new List<(string Name, int At)>();
        long valid = -1, covered = -1;
        var sawRoot = false;
        string? currentFile = null;
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            var info = (IXmlLineInfo)reader;
            reader.Read();
            while (!reader.EOF)
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    reader.Read();
                    continue;
                }
                var at = info.LineNumber;
                var name = reader.LocalName;
                if (!Elements.Contains(name)) throw new ProfileDataException($"line {at}: unknown element <{name}> (not Cobertura)");
                switch (name)
                {
                    case "coverage":
                        if (sawRoot || reader.Depth != 0) throw new ProfileDataException($"line {at}: <coverage> must be the root, once");
                        sawRoot = true;
                        valid = Long(reader, "lines-valid", at) ?? -1;
                        covered = Long(reader, "lines-covered", at) ?? -1;
                        break;
                    case "source":
                        // Reading the content moves past the element: the loop must not read again.
                        sources.Add(reader.ReadElementContentAsString().Trim());
                        continue;
                    case "class":
                        var file = reader.GetAttribute("filename");
                        if (string.IsNullOrWhiteSpace(file)) throw new ProfileDataException($"line {at}: <class> has no filename");
                        currentFile = file.Replace('\\', '/');
                        if (!IsRooted(currentFile)) relativeNames.Add((currentFile, at));
                        if (!lines.ContainsKey(currentFile))
                        {
                            if (lines.Count == MaxFiles) throw new ProfileDataException($"line {at}: more than {MaxFiles} files");
                            lines[currentFile] = ([], []);
                        }
                        break;
                    case "line":
                        if (currentFile is null) throw new ProfileDataException($"line {at}: <line> outside a <class>");
                        var number = Long(reader, "number", at) ?? throw new ProfileDataException($"line {at}: <line> has no number");
                        if (number < 1 || number > LineSet.MaxLine) throw new ProfileDataException($"line {at}: line number {number} is outside 1..{LineSet.MaxLine}");
                        var hits = Long(reader, "hits", at) ?? throw new ProfileDataException($"line {at}: <line> has no hits");
                        var entry = lines[currentFile];
                        entry.All.Add((int)number);
                        if (hits > 0) entry.Hit.Add((int)number);
                        break;
                }
                reader.Read();
            }
        }
        catch (XmlException e)
        {
            throw new ProfileDataException($"line {e.LineNumber}: not well-formed XML: {e.Message}", e);
        }
        if (!sawRoot) throw new ProfileDataException("no <coverage> root element");
        if (relativeNames.Count > 0 && sources.Count != 1)
            throw new ProfileDataException($"line {relativeNames[0].At}: filename '{relativeNames[0].Name}' is relative but the report has {sources.Count} <source> elements (one is needed to resolve it)");

        var files = new SortedDictionary<string, CoberturaFile>(StringComparer.Ordinal);
        foreach (var (name, (all, hit)) in lines)
        {
            var path = RepositoryPath(name, sources.Count == 1 ? sources[0] : null, root);
            var executable = LineSet.Of(all);
            var run = LineSet.Of(hit);
            files[path] = files.TryGetValue(path, out var same)
                ? new CoberturaFile(path, same.Executable.Union(executable), same.Covered.Union(run))
                : new CoberturaFile(path, executable, run);
        }
        return new CoberturaReport([.. files.Values], valid, covered);
    }

    private static string RepositoryPath(string filename, string? source, string? root)
    {
        var full = IsRooted(filename) || source is null ? filename : Join(source.Replace('\\', '/'), filename);
        string path;
        if (!string.IsNullOrEmpty(root) && full.StartsWith(Join(root.Replace('\\', '/'), ""), StringComparison.Ordinal)) path = full[Join(root.Replace('\\', '/'), "").Length..];
        else if (full.StartsWith("/_/", StringComparison.Ordinal)) path = full[3..];
        else if (!IsRooted(filename)) path = filename;
        else throw new ProfileDataException($"file '{filename}' is not under the root '{root}' (pass the repository root the report was written in)");
        if (path.Split('/').Any(s => s is "" or "." or ".."))
            throw new ProfileDataException($"file '{filename}' does not give a repository-relative path ('{path}')");
        return path;
    }

    private static string Join(string dir, string name) => dir.EndsWith('/') ? dir + name : dir + "/" + name;

    private static bool IsRooted(string path) => path.StartsWith('/') || (path.Length > 2 && path[1] == ':' && path[2] == '/');

    private static long? Long(XmlReader reader, string attribute, int at)
    {
        var text = reader.GetAttribute(attribute);
        if (text is null) return null;
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw new ProfileDataException($"line {at}: <{reader.LocalName}> {attribute}=\"{(text.Length > 20 ? text[..20] + "…" : text)}\" is not a non-negative whole number");
    }
}
