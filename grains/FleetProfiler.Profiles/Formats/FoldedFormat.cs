using System.Text;

namespace FleetProfiler.Profiles.Formats;

/// <summary>What <see cref="FoldedFormat.Write(CallTree, ProfileKind, TextWriter, FoldedOptions?)"/> writes.</summary>
public sealed record FoldedOptions
{
    /// <summary>
    /// Write each frame's source location after its function, <c>Function (path/File.cs:12)</c> (or
    /// <c>(path/File.cs)</c> without a line), so frames of different lines stay apart. Off: function names only,
    /// and stacks that then coincide are summed.
    /// </summary>
    public bool SourceLocations { get; init; }

    /// <summary>Largest value first (ties in canonical order), for people reading the head of the output; else canonical order.</summary>
    public bool LargestFirst { get; init; }
}

/// <summary>
/// Brendan Gregg's collapsed stacks (<c>a;b;c 42</c>): one line per distinct stack, root first, with the
/// self value of one profile kind. The input of flamegraph.pl, speedscope, Pyroscope and most tools.
/// The one writer of folded text: the gateway's folded export and the agent's <c>--once</c> output.
/// </summary>
/// <remarks>
/// By default only function names are written (files and lines are dropped, and stacks that then coincide are
/// summed); <see cref="FoldedOptions.SourceLocations"/> keeps them. Lines are in canonical order (depth-first,
/// siblings by ordinal text), so equal trees give equal text, unless <see cref="FoldedOptions.LargestFirst"/>.
/// A <c>;</c> inside a frame is written as <c>:</c> and line breaks as spaces; an empty name as <c>[unknown]</c>.
/// Values on the root itself (samples with an empty stack) have no line and are not written.
/// </remarks>
public static class FoldedFormat
{
    /// <summary>Writes the folded stacks of <paramref name="tree"/> for <paramref name="kind"/>; zero stacks are skipped.</summary>
    public static void Write(CallTree tree, ProfileKind kind, TextWriter writer, FoldedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(writer);
        options ??= new FoldedOptions();
        CallTree byText = options.SourceLocations
            ? tree.MapFrames(static f => new Frame(Sanitize(FrameText(f))))
            : tree.MapFrames(static f => new Frame(Sanitize(f.Function)));
        FrameTable frames = byText.Frames;
        var lines = options.LargestFirst ? new List<(string Stack, long Value)>() : null;
        var stackText = new StringBuilder();
        byText.ForEachStack((stack, self) =>
        {
            long value = self.Get(kind);
            if (value == 0 || stack.IsEmpty) return;
            stackText.Clear();
            for (int i = 0; i < stack.Length; i++)
            {
                if (i > 0) stackText.Append(';');
                stackText.Append(frames.GetFunction(stack[i]));
            }
            if (lines is not null) lines.Add((stackText.ToString(), value));
            else WriteLine(writer, stackText, value);
        }, sortedByFrame: true);
        if (lines is null) return;
        // A stable sort keeps the canonical order among equal values.
        foreach (var (stack, value) in lines.OrderByDescending(l => l.Value))
            WriteLine(writer, stack, value);
    }

    /// <summary>The folded stacks of <paramref name="tree"/> as one string.</summary>
    public static string Write(CallTree tree, ProfileKind kind, FoldedOptions? options = null)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(tree, kind, writer, options);
        return writer.ToString();
    }

    private static void WriteLine(TextWriter writer, object stack, long value)
    {
        writer.Write(stack);
        writer.Write(' ');
        writer.Write(value.ToString(CultureInfo.InvariantCulture));
        writer.Write('\n');
    }

    /// <summary><c>Function (File:Line)</c>, <c>Function (File)</c> or <c>Function</c>.</summary>
    private static string FrameText(Frame f) =>
        f.File is null ? f.Function
        : f.Line > 0 ? $"{f.Function} ({f.File}:{f.Line.ToString(CultureInfo.InvariantCulture)})"
        : $"{f.Function} ({f.File})";

    /// <summary>
    /// Reads folded stacks, adding each line's value as the main value of <paramref name="kind"/>
    /// (to <paramref name="into"/> when given, else to a new tree). Blank lines and lines starting with
    /// <c>#</c> are ignored; repeated stacks add up.
    /// </summary>
    /// <exception cref="ProfileDataException">A line has no value, a bad value or an empty frame.</exception>
    public static CallTree Parse(TextReader reader, ProfileKind kind, CallTree? into = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CallTree tree = into ?? new CallTree();
        var stack = new List<int>(64);
        int lineNumber = 0;
        while (reader.ReadLine() is { } text)
        {
            lineNumber++;
            ReadOnlySpan<char> line = text.AsSpan().Trim();
            if (line.IsEmpty || line[0] == '#') continue;
            int space = line.LastIndexOfAny(' ', '\t');
            if (space <= 0) throw Bad(lineNumber, "no value after the stack");
            if (!long.TryParse(line[(space + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                throw Bad(lineNumber, "the value is not an integer");
            ReadOnlySpan<char> frames = line[..space].TrimEnd();
            stack.Clear();
            foreach (Range range in frames.Split(';'))
            {
                ReadOnlySpan<char> name = frames[range];
                if (name.IsEmpty) throw Bad(lineNumber, "empty frame name");
                stack.Add(tree.Frames.Intern(name));
            }
            tree.Add(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(stack), SampleValues.Of(kind, value));
        }
        return tree;
    }

    /// <summary>Reads folded stacks from a string (see <see cref="Parse(TextReader, ProfileKind, CallTree?)"/>).</summary>
    public static CallTree Parse(string text, ProfileKind kind) => Parse(new StringReader(text), kind);

    private static string Sanitize(string name)
    {
        if (name.Length == 0) return "[unknown]";
        if (name.AsSpan().IndexOfAny(';', '\n', '\r') < 0) return name;
        return name.Replace(';', ':').Replace('\n', ' ').Replace('\r', ' ');
    }

    private static ProfileDataException Bad(int line, string why) => new($"Folded stacks line {line}: {why}.");
}
