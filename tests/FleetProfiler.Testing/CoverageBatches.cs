using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Testing;

/// <summary>One file of a test coverage run: its executable lines and the lines missed, certain and probable (any order).</summary>
public sealed record CoverageFileSpec(string Path, IReadOnlyList<int> Executable, IReadOnlyList<int> MissedCertain, IReadOnlyList<int> MissedProbable, string Module = "App")
{
    /// <summary>Lines first..last.</summary>
    public static int[] Lines(int first, int last) => [.. Enumerable.Range(first, last - first + 1)];
}

/// <summary>
/// Builds coverage batches (<c>Batch.coverage</c>) the way the agent sends them: kinds ["coverage"], no window
/// tables, one module "App" (unless the files name others), lines packed as inclusive ranges.
/// </summary>
public static class CoverageBatches
{
    public static Batch Run(ulong sequence, string service, string host, DateTimeOffset at, IReadOnlyList<CoverageFileSpec> files,
        bool canary = false, string uncertainReason = "", IReadOnlyList<(string Name, string File, uint Line, DeadConfidence Confidence)>? deadMethods = null)
    {
        var b = TestBatches.Header(sequence, service, host, at, at);
        b.Coverage = new CoverageRun
        {
            ProcessStart = Timestamp.FromDateTimeOffset(at.AddHours(-1)),
            Canary = canary,
            UncertainReason = uncertainReason,
        };
        b.Kinds.Add("coverage");
        foreach (var module in files.Select(f => f.Module).Append("App").Distinct())
        {
            var m = new CoverageModule { Name = module, Mvid = Guid.NewGuid().ToString("D"), Loaded = true };
            if (module == "App")
            {
                foreach (var d in deadMethods ?? [])
                    m.DeadMethods.Add(new CoverageMethod { Name = d.Name, File = d.File, Line = d.Line, Confidence = d.Confidence });
            }

            b.Coverage.Modules.Add(m);
        }
        foreach (var f in files)
        {
            var file = new CoverageFile { Path = f.Path, Module = f.Module };
            file.Executable.AddRange(Pack(f.Executable));
            file.MissedCertain.AddRange(Pack(f.MissedCertain));
            file.MissedProbable.AddRange(Pack(f.MissedProbable));
            b.Coverage.Files.Add(file);
        }
        return b;
    }

    /// <summary>Sorted lines as inclusive ranges packed in pairs.</summary>
    public static IEnumerable<uint> Pack(IEnumerable<int> lines)
    {
        var sorted = lines.Distinct().Order().ToArray();
        for (var i = 0; i < sorted.Length;)
        {
            var j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            yield return (uint)sorted[i];
            yield return (uint)sorted[j];
            i = j + 1;
        }
    }
}
