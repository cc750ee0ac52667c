namespace FleetProfiler.Agent.Coverage;

/// <summary>
/// Line sets as the wire packs them (<c>CoverageFile</c>): inclusive ranges in pairs <c>[first, last, first, last, …]</c>,
/// ascending and not touching, so a method of 40 consecutive lines costs two numbers.
/// </summary>
public static class LineRanges
{
    /// <summary>Packs <paramref name="lines"/> (any order, duplicates allowed; 0 is not a line and is ignored).</summary>
    public static List<uint> Pack(IEnumerable<int> lines)
    {
        var packed = new List<uint>();
        var sorted = lines.Where(l => l > 0).Distinct().Order().ToList();
        for (var i = 0; i < sorted.Count;)
        {
            var first = sorted[i];
            var last = first;
            while (++i < sorted.Count && sorted[i] == last + 1)
            {
                last = sorted[i];
            }
            packed.Add((uint)first);
            packed.Add((uint)last);
        }
        return packed;
    }

    /// <summary>The lines of packed ranges, ascending. Throws on an odd count or a range that runs backwards.</summary>
    public static IEnumerable<int> Unpack(IReadOnlyList<uint> packed)
    {
        if (packed.Count % 2 != 0)
        {
            throw new FormatException($"line ranges come in pairs, got {packed.Count} numbers");
        }
        for (var i = 0; i < packed.Count; i += 2)
        {
            if (packed[i] == 0 || packed[i + 1] < packed[i])
            {
                throw new FormatException($"bad line range {packed[i]}-{packed[i + 1]}");
            }
            for (var line = packed[i]; line <= packed[i + 1]; line++)
            {
                yield return (int)line;
            }
        }
    }
}
