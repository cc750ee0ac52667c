using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Coverage;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// Checks a coverage batch (<c>coverage</c> set): kinds exactly ["coverage"], no window content; modules and files
/// within <see cref="CoverageLimits"/>; repository-relative paths, each once; line lists well-formed packed ranges
/// (sorted, disjoint, 1..<see cref="CoverageLimits.MaxLine"/>) with the missed lines inside the executable ones and
/// certain and probable disjoint; every file's module and every dead method's file named in the run. Null when acceptable.
/// </summary>
public static class CoverageValidator
{
    public static string? Validate(Batch b, BatchLimits limits)
    {
        if (b.Kinds.Count != 1 || b.Kinds[0] != "coverage") return "a coverage batch has kinds [\"coverage\"]";
        if (b.Samples.Count > 0 || b.Stacks.Count > 0 || b.Locations.Count > 0 || b.Functions.Count > 0 || b.Strings.Count > 0 || b.RouteMinutes.Count > 0)
            return "a coverage batch carries no window (strings, functions, locations, stacks, samples, route_minutes must be empty)";
        var run = b.Coverage;
        if (run.ProcessStart is null) return "coverage.process_start is required";
        if (run.UncertainReason.Length > limits.MaxStringLength) return $"coverage.uncertain_reason is longer than max_string_length ({limits.MaxStringLength})";
        if (run.Modules.Count > CoverageLimits.MaxModules) return $"coverage.modules: {run.Modules.Count}, over max_coverage_modules ({CoverageLimits.MaxModules})";
        if (run.Files.Count > CoverageLimits.MaxFiles) return $"coverage.files: {run.Files.Count}, over max_coverage_files ({CoverageLimits.MaxFiles})";

        var modules = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < run.Modules.Count; i++)
        {
            var m = run.Modules[i];
            var at = $"coverage.modules[{i}]";
            if (m.Name.Length == 0) return $"{at}.name is required";
            if (m.Name.Length > limits.MaxStringLength) return $"{at}.name is longer than max_string_length ({limits.MaxStringLength})";
            if (!modules.Add(m.Name)) return $"{at}.name '{Truncate(m.Name)}' appears twice";
            if (m.Mvid.Length > 0 && !Guid.TryParseExact(m.Mvid, "D", out _)) return $"{at}.mvid '{Truncate(m.Mvid)}' is not a GUID";
            if (m.Methods < 0 || m.MethodsLive < 0 || m.MethodsDeadCertain < 0 || m.MethodsDeadProbable < 0) return $"{at} has a negative method count";
            if ((long)m.MethodsLive + m.MethodsDeadCertain + m.MethodsDeadProbable > m.Methods) return $"{at}: methods_live + methods_dead_certain + methods_dead_probable exceed methods";
            if (m.Skipped.Length > limits.MaxStringLength) return $"{at}.skipped is longer than max_string_length ({limits.MaxStringLength})";
            if (m.DeadMethods.Count > CoverageLimits.MaxDeadMethodsPerModule) return $"{at}.dead_methods: {m.DeadMethods.Count}, over max_dead_methods_per_module ({CoverageLimits.MaxDeadMethodsPerModule})";
        }

        var files = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < run.Files.Count; i++)
        {
            var f = run.Files[i];
            var at = $"coverage.files[{i}]";
            if (PathProblem(f.Path, limits) is { } why) return $"{at}.path {why}";
            if (!files.Add(f.Path)) return $"{at}.path '{Truncate(f.Path)}' appears twice";
            if (f.OriginalPath.Length > limits.MaxStringLength) return $"{at}.original_path is longer than max_string_length ({limits.MaxStringLength})";
            if (!modules.Contains(f.Module)) return $"{at}.module '{Truncate(f.Module)}' is not in coverage.modules";
            if (Lines(f.Executable, $"{at}.executable", out var executable) is { } e1) return e1;
            if (Lines(f.MissedCertain, $"{at}.missed_certain", out var certain) is { } e2) return e2;
            if (Lines(f.MissedProbable, $"{at}.missed_probable", out var probable) is { } e3) return e3;
            if (!certain.IsSubsetOf(executable)) return $"{at}.missed_certain has lines that are not in executable ({certain.Except(executable)})";
            if (!probable.IsSubsetOf(executable)) return $"{at}.missed_probable has lines that are not in executable ({probable.Except(executable)})";
            if (!certain.Intersect(probable).IsEmpty) return $"{at}: missed_certain and missed_probable overlap ({certain.Intersect(probable)})";
        }

        for (var i = 0; i < run.Modules.Count; i++)
        {
            for (var j = 0; j < run.Modules[i].DeadMethods.Count; j++)
            {
                var m = run.Modules[i].DeadMethods[j];
                var at = $"coverage.modules[{i}].dead_methods[{j}]";
                if (m.Name.Length == 0 || m.Name.Length > limits.MaxStringLength) return $"{at}.name must be 1..{limits.MaxStringLength} characters";
                if (m.Confidence is not (DeadConfidence.DeadCertain or DeadConfidence.DeadProbable)) return $"{at}.confidence must be DEAD_CERTAIN or DEAD_PROBABLE";
                if (m.Line > CoverageLimits.MaxLine) return $"{at}.line {m.Line} is over the maximum line {CoverageLimits.MaxLine}";
                if (m.File.Length > 0 && !files.Contains(m.File)) return $"{at}.file '{Truncate(m.File)}' is not in coverage.files";
            }
        }
        return null;
    }

    /// <summary>Why a path is not repository-relative, or null.</summary>
    internal static string? PathProblem(string path, BatchLimits limits)
    {
        if (path.Length == 0) return "is required";
        if (path.Length > limits.MaxStringLength) return $"is longer than max_string_length ({limits.MaxStringLength})";
        if (path[0] == '/' || path.Contains('\\') || (path.Length > 1 && path[1] == ':')) return $"'{Truncate(path)}' is not repository-relative (no leading '/', drive or '\\')";
        if (path.Split('/').Any(s => s is "" or "." or "..")) return $"'{Truncate(path)}' has an empty, '.' or '..' segment";
        return null;
    }

    private static string? Lines(IReadOnlyList<uint> packed, string field, out LineSet lines)
    {
        lines = LineSet.Empty;
        if (packed.Count > 2 * CoverageLimits.MaxRangesPerList) return $"{field}: {packed.Count / 2} ranges, over max_ranges_per_list ({CoverageLimits.MaxRangesPerList})";
        try { lines = LineSet.FromPacked(packed); }
        catch (ProfileDataException e) { return $"{field}: {e.Message}"; }
        return null;
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
