using System.Globalization;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>One line of the one-shot output: <c>root;…;leaf value</c>.</summary>
public sealed record FoldedLine(IReadOnlyList<string> Frames, long Value)
{
    public string Leaf => Frames[^1];

    public static IReadOnlyList<FoldedLine> Parse(IEnumerable<string> lines) => lines
        .Where(l => l.Contains(' '))
        .Select(l =>
        {
            var space = l.LastIndexOf(' ');
            return new FoldedLine(l[..space].Split(';'), long.Parse(l[(space + 1)..], CultureInfo.InvariantCulture));
        })
        .ToList();

    /// <summary>A frame's function, without its <c> (File.cs:12)</c>.</summary>
    public static string Function(string frame) => frame.EndsWith(')') && frame.LastIndexOf(" (", StringComparison.Ordinal) is var i and > 0 && frame[(i + 2)..].Contains(':')
        ? frame[..i]
        : frame;

    /// <summary>Inclusive value per frame text (a frame counted once per line).</summary>
    public static IReadOnlyDictionary<string, long> Inclusive(IEnumerable<FoldedLine> lines)
    {
        var totals = new Dictionary<string, long>();
        foreach (var line in lines)
        {
            foreach (var frame in line.Frames.Distinct())
            {
                totals[frame] = totals.GetValueOrDefault(frame) + line.Value;
            }
        }
        return totals;
    }
}
