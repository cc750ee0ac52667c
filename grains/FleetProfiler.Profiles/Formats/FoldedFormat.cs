namespace FleetProfiler.Profiles.Formats;

/// <summary>
/// Brendan Gregg's collapsed stacks (<c>a;b;c 42</c>): one line per distinct stack, root first, with the
/// self value of one profile kind. The input of flamegraph.pl, speedscope, Pyroscope and most tools.
/// </summary>
/// <remarks>
/// Only function names are written (files and lines are dropped, and stacks that then coincide are summed).
/// Lines are in canonical order (depth-first, siblings by ordinal name), so equal trees give equal text.
/// A <c>;</c> inside a name is written as <c>:</c> and line breaks as spaces; an empty name as <c>[unknown]</c>.
/// Values on the root itself (samples with an empty stack) have no line and are not written.
/// </remarks>
public static class FoldedFormat
{
    /// <summary>Writes the folded stacks of <paramref name="tree"/> for <paramref name="kind"/>; zero stacks are skipped.</summary>
    public static void Write(CallTree tree, ProfileKind kind, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(writer);
        CallTree byName = tree.MapFrames(static f => new Frame(Sanitize(f.Function)));
        FrameTable frames = byName.Frames;
        byName.ForEachStack((stack, self) =>
        {
            long value = self.Get(kind);
            if (value == 0 || stack.IsEmpty) return;
            for (int i = 0; i < stack.Length; i++)
            {
                if (i > 0) writer.Write(';');
                writer.Write(frames.GetFunction(stack[i]));
            }
            writer.Write(' ');
            writer.Write(value.ToString(CultureInfo.InvariantCulture));
            writer.Write('\n');
        }, sortedByFrame: true);
    }

    /// <summary>The folded stacks of <paramref name="tree"/> as one string.</summary>
    public static string Write(CallTree tree, ProfileKind kind)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(tree, kind, writer);
        return writer.ToString();
    }

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
