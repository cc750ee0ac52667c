using FleetProfiler.Agent.Spool;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Agent.Coverage;

/// <summary>
/// A coverage run as one wire batch: kinds <c>["coverage"]</c>, no tables or samples. A run cannot be split (the server
/// intersects whole runs), so when it is over the gateway's batch size the largest modules' lines are left out first
/// (their <c>skipped</c> says so), then dead-method lists are halved, until it fits; the counts stay exact.
/// </summary>
public static class CoverageBatches
{
    public const string Kind = "coverage";

    public static Batch From(CoverageResult result, string host, BatchLimits limits)
    {
        var batch = new Batch
        {
            Service = result.Target.ServiceName,
            Host = host,
            Pid = result.Target.ProcessId,
            ProcessName = result.Target.ProcessName,
            WindowStart = Timestamp.FromDateTime(DateTime.SpecifyKind(result.StartUtc, DateTimeKind.Utc)),
            WindowEnd = Timestamp.FromDateTime(DateTime.SpecifyKind(result.EndUtc, DateTimeKind.Utc)),
            Kinds = { Kind },
            RuntimeVersion = result.RuntimeVersion ?? "",
            Coverage = result.Run.Clone(),
        };
        FitInto(batch, limits.MaxBatchBytes - BatchLimits.HeaderReserve);
        return batch;
    }

    /// <summary>Shrinks <paramref name="batch"/> to at most <paramref name="maxBytes"/> as the type's summary says.</summary>
    public static void FitInto(Batch batch, int maxBytes)
    {
        var run = batch.Coverage;
        while (batch.CalculateSize() > maxBytes)
        {
            var largest = run.Files.GroupBy(f => f.Module).OrderByDescending(g => g.Sum(f => f.CalculateSize())).FirstOrDefault();
            if (largest is not null)
            {
                foreach (var file in largest.ToList())
                {
                    run.Files.Remove(file);
                }
                var module = run.Modules.FirstOrDefault(m => m.Name == largest.Key);
                if (module is not null && module.Skipped.Length == 0)
                {
                    module.Skipped = $"lines left out: the run is over the gateway's batch size ({maxBytes / 1024} KB)";
                }
                RunFiles.DropDanglingFiles(run);
                continue;
            }
            var longest = run.Modules.OrderByDescending(m => m.DeadMethods.Count).FirstOrDefault();
            if (longest is null || longest.DeadMethods.Count == 0)
            {
                return; // nothing left to shrink; the gateway will say what is over
            }
            var keep = longest.DeadMethods.Take(longest.DeadMethods.Count / 2).ToList();
            longest.DeadMethods.Clear();
            longest.DeadMethods.AddRange(keep);
        }
        RunFiles.DropDanglingFiles(run);
    }
}
