using System.Text.RegularExpressions;
using FleetProfiler.Abstractions.Coverage;
using FleetProfiler.Gateway.Query;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Coverage;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.DeadCode;

/// <summary>
/// The dead-code API (deadcode.proto): reads the day indexes and file-days, merges them over the range, ranks,
/// annotates; imports Cobertura reports after checking the whole report.
/// </summary>
public sealed partial class DeadCodeService(IGrainFactory grains, DeadCodeOptions options, TimeProvider clock, ILogger<DeadCodeService> logger) : Protocol.V1.DeadCode.DeadCodeBase
{
    /// <summary>File-days one listing reads at most (files × days of the range, after the service and prefix filters).</summary>
    public const int MaxFileDaysPerQuery = 100_000;

    /// <summary>Largest Cobertura report accepted (below the gRPC message cap).</summary>
    public const int MaxReportBytes = 15 * 1024 * 1024;

    /// <summary>File-day grains read or written at once.</summary>
    private const int FanOut = 32;

    private DateOnly Today => DayKey.UtcDayOf(clock.GetUtcNow());

    public override async Task<ListDeadFilesReply> ListDeadFiles(ListDeadFilesRequest request, ServerCallContext context)
    {
        var range = DayRange.Parse(request.FromDay, request.ToDay, Today);
        if (request.Limit < 0) throw QueryArguments.Invalid("limit: must not be negative");
        var limit = request.Limit == 0 ? 50 : Math.Min(request.Limit, 10_000);
        var (rows, indexes) = await MatchingFilesAsync(range, request.Service, request.Team, request.PathPrefix, request.IncludeLive);
        var reply = new ListDeadFilesReply
        {
            FromDay = DayKey.Of(range.From),
            ToDay = DayKey.Of(range.To),
            Matched = rows.Count,
            Runs = indexes.Sum(i => i.Runs),
            FilesRefused = indexes.Sum(i => i.FilesRefused),
        };
        // Certain dead lines first: they are the ones safe to delete.
        reply.Files.AddRange(rows.OrderByDescending(r => r.DeadCertainLines).ThenByDescending(r => r.DeadProbableLines)
            .ThenBy(r => r.Path, StringComparer.Ordinal).Take(limit));
        return reply;
    }

    public override async Task<DeadCodeByTeamReply> DeadCodeByTeam(DeadCodeByTeamRequest request, ServerCallContext context)
    {
        var range = DayRange.Parse(request.FromDay, request.ToDay, Today);
        var (rows, indexes) = await MatchingFilesAsync(range, request.Service, "", request.PathPrefix, includeLive: true);
        var teams = new Dictionary<string, (TeamDeadCode Team, SortedSet<string> Services)>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in rows.OrderByDescending(r => r.DeadCertainLines).ThenByDescending(r => r.DeadProbableLines).ThenBy(r => r.Path, StringComparer.Ordinal))
        {
            foreach (var owner in row.Owners.Count == 0 ? [""] : row.Owners.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!teams.TryGetValue(owner, out var t))
                {
                    // Rows come worst first: a team's first row is its top file.
                    teams[owner] = t = (new TeamDeadCode { Team = owner, TopFile = row.Path, TopFileDeadCertainLines = row.DeadCertainLines, TopFileDeadProbableLines = row.DeadProbableLines },
                        new SortedSet<string>(StringComparer.Ordinal));
                }
                t.Team.Files++;
                if (row.DeadCertainLines + row.DeadProbableLines > 0) t.Team.FilesWithDeadLines++;
                t.Team.ExecutableLines += row.ExecutableLines;
                t.Team.DeadCertainLines += row.DeadCertainLines;
                t.Team.DeadProbableLines += row.DeadProbableLines;
                t.Services.UnionWith(row.Services);
            }
        }
        var reply = new DeadCodeByTeamReply
        {
            FromDay = DayKey.Of(range.From),
            ToDay = DayKey.Of(range.To),
            Runs = indexes.Sum(i => i.Runs),
            FilesRefused = indexes.Sum(i => i.FilesRefused),
        };
        foreach (var (team, services) in teams.Values.OrderByDescending(t => t.Team.DeadCertainLines).ThenByDescending(t => t.Team.DeadProbableLines).ThenBy(t => t.Team.Team, StringComparer.Ordinal))
        {
            team.Services.AddRange(services);
            reply.Teams.Add(team);
        }
        return reply;
    }

    public override async Task<ListNotRunReply> ListNotRun(ListNotRunRequest request, ServerCallContext context)
    {
        var to = DayRange.Day(request.ToDay, "to_day", Today);
        if (request.PeriodDays is < 0 or > DeadCodeLimits.MaxQueryDays) throw QueryArguments.Invalid($"period_days: must be between 1 and {DeadCodeLimits.MaxQueryDays}");
        if (request.MinDays < 0) throw QueryArguments.Invalid("min_days: must not be negative");
        if (request.Limit < 0) throw QueryArguments.Invalid("limit: must not be negative");
        var period = request.PeriodDays == 0 ? options.PeriodDays : request.PeriodDays;
        var minDays = Math.Max(1, request.MinDays);
        var limit = request.Limit == 0 ? 100 : Math.Min(request.Limit, 10_000);
        var range = new DayRange(to.AddDays(1 - period), to);
        var (candidates, _) = await CandidatesAsync(range, request.Service, request.PathPrefix);
        var entries = new List<NotRunEntry>();
        foreach (var chunk in candidates.Chunk(FanOut))
        {
            foreach (var file in await Task.WhenAll(chunk.Select(c => FileDays.LoadAsync(grains, c.Key, c.Value))))
            {
                var covered = file.ProductionDays.Count();
                var (fileDays, _, methods) = FileAnnotation.NotRunOver(file.Days);
                if (fileDays >= minDays)
                    entries.Add(new NotRunEntry { Path = file.Path, DaysNotRun = fileDays, SinceDay = SinceDay(file, fileDays), CoveredDays = covered });
                entries.AddRange(methods.Where(m => m.DaysNotRun >= minDays).Select(m => new NotRunEntry
                {
                    Path = file.Path,
                    Method = m.Name,
                    Line = m.Line,
                    DaysNotRun = m.DaysNotRun,
                    SinceDay = m.SinceDay,
                    Confidence = m.Confidence,
                    CoveredDays = covered,
                }));
            }
        }
        var reply = new ListNotRunReply { FromDay = DayKey.Of(range.From), ToDay = DayKey.Of(range.To), PeriodDays = period, Matched = entries.Count };
        // Longest unused first; certain before probable; a whole file before its methods.
        reply.Entries.AddRange(entries.OrderByDescending(e => e.DaysNotRun).ThenBy(e => e.Confidence == "probable" ? 1 : 0)
            .ThenBy(e => e.Path, StringComparer.Ordinal).ThenBy(e => e.Method.Length == 0 ? 0 : 1).ThenBy(e => e.Line).ThenBy(e => e.Method, StringComparer.Ordinal).Take(limit));
        return reply;
    }

    /// <summary>The oldest of the file's newest <paramref name="days"/> covered days.</summary>
    private static string SinceDay(FileDays file, int days) =>
        DayKey.Of(file.Days.Where(d => d.Summary.Runs > 0).OrderByDescending(d => d.Day).Skip(days - 1).First().Day);

    /// <summary>Every file of the range that passes the filters, as a listing row (unranked), and the day indexes read.</summary>
    private async Task<(List<DeadFile> Rows, DeadCodeDay[] Indexes)> MatchingFilesAsync(DayRange range, string service, string team, string pathPrefix, bool includeLive)
    {
        var (candidates, indexes) = await CandidatesAsync(range, service, pathPrefix);
        var owners = new OwnerLookup(grains);
        var rows = new List<DeadFile>();
        foreach (var chunk in candidates.Chunk(FanOut))
        {
            foreach (var file in await Task.WhenAll(chunk.Select(c => FileDays.LoadAsync(grains, c.Key, c.Value))))
            {
                var dead = file.Lines.Dead;
                if (dead.IsEmpty && !includeLive) continue;
                var (fileOwners, _) = await owners.OwnersAsync(file.Path, file.Services);
                if (team.Length > 0 && !fileOwners.Contains(team, StringComparer.OrdinalIgnoreCase)) continue;
                var production = file.ProductionDays.ToList();
                var row = new DeadFile
                {
                    Path = file.Path,
                    ExecutableLines = file.Lines.Executable.Count,
                    DeadCertainLines = file.Lines.DeadCertain.Count,
                    DeadProbableLines = file.Lines.DeadProbable.Count,
                    Runs = production.Sum(d => d.Summary.Runs),
                    CanaryRuns = production.Sum(d => d.Summary.CanaryRuns),
                    Hosts = production.SelectMany(d => d.Runs.Where(r => r.Source.Length == 0).Select(r => $"{r.Service}/{r.Host}")).Distinct().Count(),
                    Days = production.Count,
                    RunByRigOnlyLines = file.RunByRigOnly.Count,
                    RunInProductionOnlyLines = file.RunInProductionOnly.Count,
                };
                row.Services.AddRange(file.Services);
                row.Owners.AddRange(fileOwners);
                row.RigSources.AddRange(file.Rigs.Keys);
                rows.Add(row);
            }
        }
        return (rows, indexes);
    }

    /// <summary>Which days of the range each file that passes the path and service filters appears on (by the day indexes).</summary>
    private async Task<(SortedDictionary<string, List<DateOnly>>, DeadCodeDay[])> CandidatesAsync(DayRange range, string service, string pathPrefix)
    {
        var indexes = await Task.WhenAll(range.Days.Select(d => grains.GetGrain<IDeadCodeDayGrain>(DayKey.Of(d)).GetAsync()));
        var candidates = new SortedDictionary<string, List<DateOnly>>(StringComparer.Ordinal);
        foreach (var index in indexes)
        {
            foreach (var f in index.Files)
            {
                if (!f.Path.StartsWith(pathPrefix, StringComparison.Ordinal)) continue;
                if (service.Length > 0 && !f.Services.Contains(service)) continue;
                if (!candidates.TryGetValue(f.Path, out var days)) candidates[f.Path] = days = [];
                days.Add(index.Day);
            }
        }
        var fileDays = candidates.Values.Sum(d => d.Count);
        if (fileDays > MaxFileDaysPerQuery)
            throw QueryArguments.Invalid($"to_day: the range holds {fileDays} file-days, over {MaxFileDaysPerQuery}; narrow the range, or filter by service or path_prefix");
        return (candidates, indexes);
    }

    public override async Task<AnnotatedFile> AnnotateFile(AnnotateFileRequest request, ServerCallContext context)
    {
        var path = FileDays.CheckPath(request.Path);
        var range = DayRange.Parse(request.FromDay, request.ToDay, Today);
        if (request.PeriodDays is < 0 or > DeadCodeLimits.MaxQueryDays) throw QueryArguments.Invalid($"period_days: must be between 1 and {DeadCodeLimits.MaxQueryDays}");
        var period = request.PeriodDays == 0 ? options.PeriodDays : request.PeriodDays;
        var periodStart = range.To.AddDays(1 - period);
        var first = periodStart < range.From ? periodStart : range.From;
        var all = await FileDays.LoadAsync(grains, path, new DayRange(first, range.To).Days);
        var inRange = all.Days.Where(d => d.Day >= range.From).ToList();
        if (inRange.Count == 0)
            throw QueryArguments.NotFound($"path: no run covered '{path}' from {DayKey.Of(range.From)} to {DayKey.Of(range.To)}");
        var file = FileDays.Of(path, inRange);
        var (owners, ownerService) = await new OwnerLookup(grains).OwnersAsync(path, file.Services);
        var reply = FileAnnotation.Build(file, all.Days.Where(d => d.Day >= periodStart).ToList(), period, SourceText(path));
        reply.FromDay = DayKey.Of(range.From);
        reply.ToDay = DayKey.Of(range.To);
        reply.Owners.AddRange(owners);
        reply.OwnersFromService = ownerService;
        return reply;
    }

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<ImportCoberturaReply> ImportCobertura(ImportCoberturaRequest request, ServerCallContext context)
    {
        if (!RigName().IsMatch(request.Source)) throw QueryArguments.Invalid("source: a rig name of 1 to 64 letters, digits, '.', '_' or '-' is required (e.g. integration-rig)");
        var day = DayRange.Day(request.Day, "day", Today);
        if (request.Xml.Length == 0) throw QueryArguments.Invalid("xml: the report is empty");
        if (System.Text.Encoding.UTF8.GetByteCount(request.Xml) > MaxReportBytes) throw QueryArguments.Invalid($"xml: larger than {MaxReportBytes} bytes");
        CoberturaReport report;
        try { report = CoberturaReport.Parse(request.Xml, request.Root.Length == 0 ? null : request.Root); }
        catch (ProfileDataException e) { throw QueryArguments.Invalid("xml: " + e.Message); }
        if (report.Files.Count == 0) throw QueryArguments.Invalid("xml: the report names no source file");
        foreach (var f in report.Files) FileDays.CheckPath(f.Path, $"xml: file");

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(request.Xml + "\n" + request.Root)))[..16];
        var runId = $"rig:{request.Source}:{hash}";
        var index = grains.GetGrain<IDeadCodeDayGrain>(DayKey.Of(day));
        var admitted = (await index.AdmitAsync([.. report.Files.Select(f => f.Path)])).ToHashSet(StringComparer.Ordinal);
        if (admitted.Count < report.Files.Count)
            throw QueryArguments.Invalid($"xml: day {DayKey.Of(day)} indexes its maximum of {DeadCodeLimits.MaxFilesPerDay} files; {report.Files.Count - admitted.Count} of the report's files do not fit (nothing was imported)");
        var at = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var summaries = new List<SourceFileSummary>();
        var added = 0;
        foreach (var chunk in report.Files.Chunk(FanOut))
        {
            var results = await Task.WhenAll(chunk.Select(f => grains.GetGrain<ISourceFileGrain>(SourceFileKey.Of(day, f.Path)).AddRunAsync(
                new CoverageFileRun(runId, request.Source, "", "", at, false, "", f.Executable.ToPacked(), f.Executable.Except(f.Covered).ToPacked(), [], null))));
            summaries.AddRange(results.Select(r => r.Summary));
            added += results.Count(r => r.Added);
        }
        await index.UpdateAsync(summaries, 0);
        logger.LogInformation("Cobertura report of rig {Rig} imported for {Day}: {Files} files, {Lines} lines ({Run}{Duplicate})",
            request.Source, DayKey.Of(day), report.Files.Count, report.LinesValid, runId, added == 0 ? ", already imported" : "");
        return new ImportCoberturaReply
        {
            Source = request.Source,
            Day = DayKey.Of(day),
            RunId = runId,
            Files = report.Files.Count,
            LinesValid = report.LinesValid,
            LinesCovered = report.LinesCovered,
            ReportedLinesValid = report.ReportedLinesValid,
            ReportedLinesCovered = report.ReportedLinesCovered,
            Duplicate = added == 0,
        };
    }

    /// <summary>The file's text from the configured checkout, or null and why not.</summary>
    private (string[]? Lines, string Source) SourceText(string path)
    {
        if (options.SourceDirectory is null)
            return (null, $"no source text: the gateway has no checkout ({DeadCodeOptions.Section}:SourceDirectory); open '{path}' at the build's commit (the PDB's SourceLink maps it to its repository URL)");
        var root = Path.GetFullPath(options.SourceDirectory);
        var full = Path.GetFullPath(Path.Combine(root, path));
        if (!full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return (null, "no source text: the path leaves the checkout");
        var info = new FileInfo(full);
        if (!info.Exists) return (null, $"no source text: '{path}' is not in the checkout {root}");
        if (info.Length > DeadCodeOptions.MaxSourceBytes) return (null, $"no source text: '{path}' is larger than {DeadCodeOptions.MaxSourceBytes} bytes");
        var text = File.ReadAllText(full);
        return (text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray(), $"checkout {root}");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex RigName();
}
