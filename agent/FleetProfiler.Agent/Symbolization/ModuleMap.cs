using System.Globalization;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>
/// The target's file-backed memory mappings (from /proc/PID/maps, read at the end of a window), so that an address
/// the trace cannot name still gets its module: <c>System.Net.Sockets!0x7f12…</c> instead of <c>?!0x7f12…</c>.
/// Typical cases: ReadyToRun stubs the rundown does not list, and native runtime code.
/// </summary>
public sealed class ModuleMap
{
    public static readonly ModuleMap Empty = new([]);

    private readonly (ulong Start, ulong End, string Name)[] _ranges;

    public ModuleMap(IEnumerable<(ulong Start, ulong End, string Name)> ranges) =>
        _ranges = ranges.OrderBy(r => r.Start).ToArray();

    /// <summary>Both maps' ranges; where they overlap, <paramref name="preferred"/> is found first.</summary>
    public static ModuleMap Combine(ModuleMap preferred, ModuleMap other) =>
        other._ranges.Length == 0 ? preferred
        : preferred._ranges.Length == 0 ? other
        : new ModuleMap(preferred._ranges.Concat(other._ranges.Where(r => preferred.Find(r.Start) is null)));

    /// <summary>Module name (file name without .dll/.so) containing <paramref name="address"/>, or null.</summary>
    public string? Find(ulong address)
    {
        int low = 0, high = _ranges.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var range = _ranges[mid];
            if (address < range.Start)
            {
                high = mid - 1;
            }
            else if (address >= range.End)
            {
                low = mid + 1;
            }
            else
            {
                return range.Name;
            }
        }
        return null;
    }

    public static ModuleMap Read(int processId)
    {
        try
        {
            return OperatingSystem.IsLinux() ? Parse(File.ReadLines($"/proc/{processId}/maps")) : Empty;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Empty;
        }
    }

    /// <summary>Parses maps lines: <c>7f12a000-7f12b000 r-xp 00000000 fe:00 1234 /path/lib.so</c>.</summary>
    public static ModuleMap Parse(IEnumerable<string> lines)
    {
        var ranges = new List<(ulong, ulong, string)>();
        foreach (var line in lines)
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            // Only real files: JIT code heaps show up as /memfd:doublemapper (W^X), which names nothing.
            if (fields.Length < 6 || !fields[5].StartsWith('/') || fields[5].StartsWith("/memfd:", StringComparison.Ordinal))
            {
                continue;
            }
            var bounds = fields[0].Split('-');
            if (bounds.Length == 2
                && ulong.TryParse(bounds[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                && ulong.TryParse(bounds[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end))
            {
                ranges.Add((start, end, ModuleName(fields[5].Trim())));
            }
        }
        return new ModuleMap(ranges);
    }

    private static string ModuleName(string path)
    {
        var name = Path.GetFileName(path.EndsWith(" (deleted)", StringComparison.Ordinal) ? path[..^10] : path);
        var so = name.IndexOf(".so", StringComparison.Ordinal);
        return so > 0 ? name[..so]
            : name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? name[..^4]
            : name;
    }
}
