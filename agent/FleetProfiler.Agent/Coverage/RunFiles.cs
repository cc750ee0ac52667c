using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.Coverage;

/// <summary>
/// A run's source files from its modules' lines, as the gateway accepts them: one <c>CoverageFile</c> per
/// repository-relative path (a file compiled into two assemblies is merged: a line is live when any owner ran, missed
/// with the weakest confidence of its owners; <c>module</c> names the first); files whose path is not repository-relative
/// are left out and their module says so; at most <see cref="RunLimits.MaxFiles"/> files (by module, then path).
/// Dead methods keep a file only when it was sent.
/// </summary>
public static class RunFiles
{
    public static void Fill(CoverageRun run, IEnumerable<DocumentLines> documents, RunLimits limits)
    {
        var merged = new Dictionary<string, DocumentLines>(StringComparer.Ordinal);
        var unmapped = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            if (!IsRepositoryRelative(document.Path.Path))
            {
                unmapped[document.Module] = unmapped.GetValueOrDefault(document.Module) + 1;
                continue;
            }
            if (merged.TryGetValue(document.Path.Path, out var first))
            {
                foreach (var (line, flags) in document.Lines)
                {
                    first.Lines[line] = (byte)(first.Lines.GetValueOrDefault(line) | flags);
                }
            }
            else
            {
                merged[document.Path.Path] = document with { Lines = new Dictionary<int, byte>(document.Lines) };
            }
        }

        var overCap = 0;
        foreach (var document in merged.Values.OrderBy(d => d.Module, StringComparer.Ordinal).ThenBy(d => d.Path.Path, StringComparer.Ordinal))
        {
            var file = ToFile(document);
            if (run.Files.Count >= limits.MaxFiles || Ranges(file) > CoverageLimits.MaxRangesPerList)
            {
                overCap++;
                continue;
            }
            run.Files.Add(file);
        }

        foreach (var module in run.Modules.Where(m => unmapped.ContainsKey(m.Name) && m.Skipped.Length == 0))
        {
            module.Skipped = $"lines of {unmapped[module.Name]} source file(s) left out: their paths are not repository-relative (build deterministically or set Agent:SourcePathPrefixes)";
        }
        if (overCap > 0 && run.Modules.FirstOrDefault(m => m.Skipped.Length == 0) is { } someModule)
        {
            someModule.Skipped = $"{overCap} source file(s) of the run left out: over Agent:Coverage:MaxFiles ({limits.MaxFiles}) or the ranges per file";
        }
        DropDanglingFiles(run);
    }

    /// <summary>Dead methods whose file is not among the run's files lose their file and line (the wire's "unknown").</summary>
    public static void DropDanglingFiles(CoverageRun run)
    {
        var sent = run.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var method in run.Modules.SelectMany(m => m.DeadMethods).Where(m => m.File.Length > 0 && !sent.Contains(m.File)))
        {
            method.File = "";
            method.Line = 0;
        }
    }

    /// <summary>The gateway's rule: no leading '/', drive or '\', no empty, '.' or '..' segment, within the longest string.</summary>
    public static bool IsRepositoryRelative(string path) =>
        path.Length > 0 && path.Length <= BatchLimitDefaults.MaxStringLength && path[0] != '/' && !path.Contains('\\')
        && !(path.Length > 1 && path[1] == ':') && !path.Split('/').Any(s => s is "" or "." or "..");

    private static CoverageFile ToFile(DocumentLines document) => new()
    {
        Path = document.Path.Path,
        OriginalPath = document.Path.IsMapped && document.Path.Original.Length <= BatchLimitDefaults.MaxStringLength ? document.Path.Original : "",
        Module = document.Module,
        Executable = { LineRanges.Pack(document.Lines.Keys) },
        MissedCertain = { LineRanges.Pack(document.Lines.Where(l => l.Value == 0).Select(l => l.Key)) },
        MissedProbable = { LineRanges.Pack(document.Lines.Where(l => l.Value == ModuleCoverage.ProbableLine).Select(l => l.Key)) },
    };

    private static int Ranges(CoverageFile file) => Math.Max(file.Executable.Count, Math.Max(file.MissedCertain.Count, file.MissedProbable.Count)) / 2;
}
