using FleetProfiler.Abstractions.Coverage;
using FleetProfiler.Profiles.Coverage;
using FleetProfiler.Protocol.V1;
using DeadConfidence = FleetProfiler.Abstractions.Coverage.DeadConfidence;
using LineStatus = FleetProfiler.Protocol.V1.LineStatus;

namespace FleetProfiler.Gateway.DeadCode;

/// <summary>
/// The annotated view of one file: each line's status over the range, each rig's view of it, the runs behind it, and
/// over the usage period the methods (and the file) not run for N covered days.
/// </summary>
public static class FileAnnotation
{
    /// <summary>Runs listed in one annotated view; the rest are counted.</summary>
    public const int MaxRunsListed = 1000;

    public static AnnotatedFile Build(FileDays file, IReadOnlyList<SourceFileDay> period, int periodDays, (string[]? Lines, string Source) text)
    {
        var lines = file.Lines;
        var reply = new AnnotatedFile
        {
            Path = file.Path,
            TextSource = text.Source,
            PeriodDays = periodDays,
            ExecutableLines = lines.Executable.Count,
            DeadCertainLines = lines.DeadCertain.Count,
            DeadProbableLines = lines.DeadProbable.Count,
        };
        reply.Services.AddRange(file.Services);
        reply.RigSources.AddRange(file.Rigs.Keys);
        var last = Math.Max(text.Lines?.Length ?? 0, Math.Max(lines.Executable.Ranges.LastOrDefault().Last, file.Rigs.Values.Select(r => r.Executable.Ranges.LastOrDefault().Last).DefaultIfEmpty(0).Max()));
        for (var n = 1; n <= last; n++)
        {
            var line = new AnnotatedLine { Number = n, Status = Status(lines.StatusOf(n)), Text = text.Lines is { } t && n <= t.Length ? t[n - 1] : "" };
            foreach (var rig in file.Rigs.Values)
                line.RigStatus.Add(!rig.Executable.Contains(n) ? "" : rig.Executed.Contains(n) ? "run" : "missed");
            reply.Lines.Add(line);
        }
        var runs = file.Days.SelectMany(d => d.Runs.Select(r => (Day: d.Day, Run: r))).ToList();
        foreach (var (day, r) in runs.Take(MaxRunsListed))
        {
            reply.Runs.Add(new CoverageRunSummary
            {
                RunId = r.RunId,
                Source = r.Source,
                Service = r.Service,
                Host = r.Host,
                At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(r.At),
                Canary = r.Canary,
                UncertainReason = r.UncertainReason,
                Day = DayKey.Of(day),
            });
        }
        reply.RunsNotListed = Math.Max(0, runs.Count - MaxRunsListed) + file.Days.Sum(d => d.RunsNotListed);
        NotRun(reply, period);
        return reply;
    }

    /// <summary>
    /// Walks the period's production days newest first: a method counts the days it stayed dead until a day on which
    /// it ran; the file counts the days on which none of its lines ran.
    /// </summary>
    private static void NotRun(AnnotatedFile reply, IReadOnlyList<SourceFileDay> period)
    {
        var (fileDays, methodsKnown, methods) = NotRunOver(period);
        reply.FileDaysNotRun = fileDays;
        reply.MethodsKnown = methodsKnown;
        reply.NotRunMethods.AddRange(methods);
    }

    /// <summary>
    /// Over a file's days of the usage period: the covered days (newest first) on which none of its lines ran, whether
    /// any day knew its methods, and its dead methods with the days they stayed dead (most days first).
    /// </summary>
    public static (int FileDaysNotRun, bool MethodsKnown, List<NotRunMethod> Methods) NotRunOver(IReadOnlyList<SourceFileDay> period)
    {
        var days = period.Where(d => d.Summary.Runs > 0).OrderByDescending(d => d.Day).ToList();
        var fileDaysNotRun = 0;
        foreach (var d in days)
        {
            if (d.Executed.Length > 0) break;
            fileDaysNotRun++;
        }
        var known = days.Where(d => d.MethodsKnown).ToList();
        if (known.Count == 0) return (fileDaysNotRun, false, []);
        var methods = new List<NotRunMethod>();
        var byDay = known.Select(d => d.DeadMethods.GroupBy(x => x.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal)).ToList();
        foreach (var m in known[0].DeadMethods)
        {
            var (count, since, confidence) = (0, known[0].Day, m.Confidence);
            for (var i = 0; i < known.Count; i++)
            {
                if (!byDay[i].TryGetValue(m.Name, out var same)) break;
                count++;
                since = known[i].Day;
                if (same.Confidence == DeadConfidence.Probable) confidence = DeadConfidence.Probable;
            }
            methods.Add(new NotRunMethod
            {
                Name = m.Name,
                Line = m.Line,
                Confidence = confidence == DeadConfidence.Certain ? "certain" : "probable",
                DaysNotRun = count,
                SinceDay = DayKey.Of(since),
            });
        }
        return (fileDaysNotRun, true, [.. methods.OrderByDescending(m => m.DaysNotRun).ThenBy(m => m.Line).ThenBy(m => m.Name, StringComparer.Ordinal)]);
    }

    public static LineStatus Status(Profiles.Coverage.LineStatus status) => status switch
    {
        Profiles.Coverage.LineStatus.Live => LineStatus.Live,
        Profiles.Coverage.LineStatus.DeadCertain => LineStatus.DeadCertain,
        Profiles.Coverage.LineStatus.DeadProbable => LineStatus.DeadProbable,
        _ => LineStatus.NotExecutable,
    };
}
