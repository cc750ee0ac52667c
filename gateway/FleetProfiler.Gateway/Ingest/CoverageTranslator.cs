using FleetProfiler.Abstractions.Coverage;
using FleetProfiler.Protocol.V1;
using DeadConfidence = FleetProfiler.Abstractions.Coverage.DeadConfidence;
using DeadMethod = FleetProfiler.Abstractions.Coverage.DeadMethod;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>Turns a validated coverage batch into the host grain's upload: lines per file with the file's dead methods.</summary>
public static class CoverageTranslator
{
    public static CoverageUpload ToUpload(Batch b, string agentId, int droppedWindows)
    {
        var run = b.Coverage;
        var methods = run.Modules.SelectMany(m => m.DeadMethods)
            .Where(m => m.File.Length > 0)
            .GroupBy(m => m.File, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<DeadMethod>)[.. g.Select(m => new DeadMethod(m.Name, (int)m.Line,
                m.Confidence == Protocol.V1.DeadConfidence.DeadCertain ? DeadConfidence.Certain : DeadConfidence.Probable))], StringComparer.Ordinal);
        var files = run.Files.Select(f => new CoverageFileLines(f.Path, Packed(f.Executable), Packed(f.MissedCertain), Packed(f.MissedProbable),
            methods.TryGetValue(f.Path, out var m) ? m : [])).ToList();
        return new CoverageUpload(agentId, (long)b.Sequence, b.WindowStart.ToDateTimeOffset(), run.Canary, run.UncertainReason, files, droppedWindows);
    }

    private static int[] Packed(IReadOnlyList<uint> lines) => [.. lines.Select(l => (int)l)];
}
