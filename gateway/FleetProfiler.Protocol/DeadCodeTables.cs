using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Protocol;

/// <summary>
/// The dead-code export formats, shared by the gateway's <c>/api/deadcode</c> and the CLI so both write the same
/// columns: CSV (RFC 4180 quoting) or TSV (tabs and newlines in a cell become spaces). Lists in a cell are joined with ' '.
/// </summary>
public static class DeadCodeTables
{
    public static readonly string[] FileColumns =
        ["path", "dead_certain_lines", "dead_probable_lines", "executable_lines", "runs", "canary_runs", "hosts", "days", "services", "owners", "rig_sources", "run_by_rig_only_lines", "run_in_production_only_lines"];

    public static IEnumerable<string[]> FileRows(ListDeadFilesReply reply) => reply.Files.Select(f => new[]
    {
        f.Path, N(f.DeadCertainLines), N(f.DeadProbableLines), N(f.ExecutableLines), N(f.Runs), N(f.CanaryRuns), N(f.Hosts), N(f.Days),
        string.Join(' ', f.Services), string.Join(' ', f.Owners), string.Join(' ', f.RigSources), N(f.RunByRigOnlyLines), N(f.RunInProductionOnlyLines),
    });

    public static readonly string[] TeamColumns =
        ["team", "dead_certain_lines", "dead_probable_lines", "executable_lines", "files", "files_with_dead_lines", "services", "top_file", "top_file_dead_certain_lines", "top_file_dead_probable_lines"];

    public static IEnumerable<string[]> TeamRows(DeadCodeByTeamReply reply) => reply.Teams.Select(t => new[]
    {
        t.Team, N(t.DeadCertainLines), N(t.DeadProbableLines), N(t.ExecutableLines), N(t.Files), N(t.FilesWithDeadLines),
        string.Join(' ', t.Services), t.TopFile, N(t.TopFileDeadCertainLines), N(t.TopFileDeadProbableLines),
    });

    public static readonly string[] NotRunColumns = ["path", "method", "line", "days_not_run", "since_day", "confidence", "covered_days"];

    public static IEnumerable<string[]> NotRunRows(ListNotRunReply reply) =>
        reply.Entries.Select(e => new[] { e.Path, e.Method, N(e.Line), N(e.DaysNotRun), e.SinceDay, e.Confidence, N(e.CoveredDays) });

    public static string[] LineColumns(AnnotatedFile file) => ["line", "status", .. file.RigSources.Select(r => "rig:" + r), "text"];

    public static IEnumerable<string[]> LineRows(AnnotatedFile file) =>
        file.Lines.Select(l => (string[])[N(l.Number), StatusName(l.Status), .. l.RigStatus, l.Text]);

    /// <summary>live, dead-certain, dead-probable or not-executable.</summary>
    public static string StatusName(LineStatus status) => status switch
    {
        LineStatus.Live => "live",
        LineStatus.DeadCertain => "dead-certain",
        LineStatus.DeadProbable => "dead-probable",
        _ => "not-executable",
    };

    /// <summary>Writes a header and rows as "csv" or "tsv".</summary>
    public static string Write(string format, IReadOnlyList<string> header, IEnumerable<string[]> rows)
    {
        var separator = format == "csv" ? "," : "\t";
        var text = new System.Text.StringBuilder();
        text.Append(string.Join(separator, header.Select(c => Cell(format, c)))).Append('\n');
        foreach (var row in rows) text.Append(string.Join(separator, row.Select(c => Cell(format, c)))).Append('\n');
        return text.ToString();
    }

    private static string Cell(string format, string value) =>
        format == "csv"
            ? value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value
            : value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

    private static string N(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
