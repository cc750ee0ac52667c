using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using DeadCodeClient = FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler annotate FILE</c>: one source file with every line marked live, dead or not executable.</summary>
public sealed class AnnotateCommand : ToolCommand
{
    public override string Name => "annotate";
    public override string Summary => "a source file with each line marked live / dead-certain / dead-probable";

    public override string Help => $$"""
        Usage: fleetprofiler annotate FILE [--day D | --from D [--to D] | --days N] [--period N] [--pdb PDB]
                                           [--format text|tsv|csv] [-o FILE]

        FILE is repository-relative (src/Orders/Handler.cs), as the runs name it. Prints the owner, the services
        and runs behind the view, then every line: its number, a mark ('!' dead-certain, '?' dead-probable,
        ' ' live, '.' not executable), one mark per test rig ('+' run, '-' missed), and the text when the gateway
        has a checkout. Then the methods not run for N covered days within the period.

        {{DeadCodeCommand.DayHelp}}
          --period N         days back from the range's end counted for "not run for N days" (default: the gateway's, 30)
          --pdb PDB          a portable PDB of the build (or its .dll / .exe, with the PDB embedded or beside it):
                             the text comes from its embedded source (<EmbedAllSources>) when the gateway has
                             none, and its SourceLink map gives the file's URL at the build's commit
          --format F         text (default), tsv or csv (line, status, one column per rig, text)
          -o FILE            write to FILE instead of stdout
        """;

    protected override IEnumerable<OptionSpec> Options =>
        [new("FILE", IsPositional: true), .. DeadCodeCommand.DayOptions, new("--period"), new("--pdb"), new("--format"), new("-o", Alias: "--output")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var path = o.Value("FILE") ?? throw new UsageException("FILE is required (a repository-relative path)");
        var (from, to) = DeadCodeCommand.Days(context, o);
        var format = o.OneOf("--format", "text", "tsv", "csv") ?? "text";
        var file = o.Value("-o");
        ProfileOutput.Check(context.Console, file, format, isBinary: false);
        var reply = await new DeadCodeClient(context.Gateway.Channel).AnnotateFileAsync(new AnnotateFileRequest
        {
            Path = path,
            FromDay = from,
            ToDay = to,
            PeriodDays = o.Int("--period", 1, 366) ?? 0,
        }, context.Call());
        string? url = null;
        if (o.Value("--pdb") is { } pdb)
        {
            url = FromPdb(reply, pdb);
        }
        var text = format == "text" ? Text(reply, url) : DeadCodeTables.Write(format, DeadCodeTables.LineColumns(reply), DeadCodeTables.LineRows(reply));
        await ProfileOutput.WriteAsync(context.Console, System.Text.Encoding.UTF8.GetBytes(text), file, false, $"{reply.Lines.Count} lines", context.Cancellation);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Fills the lines' text from the PDB's embedded source when the gateway sent none (its checkout wins: it is
    /// configured at the deployed commit); returns the file's SourceLink URL.
    /// </summary>
    private static string? FromPdb(AnnotatedFile reply, string pdb)
    {
        PdbDocumentSource? source;
        try
        {
            source = PdbSources.Find(pdb, reply.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new UsageException($"--pdb: {e.Message}");
        }
        if (source is null)
        {
            throw new UsageException($"--pdb: {pdb} has no document ending with '{reply.Path}'");
        }
        var hasText = reply.Lines.Any(l => l.Text.Length > 0);
        if (!hasText && source.Text is { } embedded)
        {
            var lines = embedded.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            if (lines.Length > 0 && lines[^1].Length == 0) lines = lines[..^1];
            for (var n = reply.Lines.Count + 1; n <= lines.Length; n++)
            {
                var extra = new AnnotatedLine { Number = n, Status = LineStatus.NotExecutable };
                extra.RigStatus.AddRange(Enumerable.Repeat("", reply.RigSources.Count));
                reply.Lines.Add(extra);
            }
            foreach (var line in reply.Lines)
                line.Text = line.Number <= lines.Length ? lines[line.Number - 1] : "";
            reply.TextSource = $"embedded source of {Path.GetFileName(pdb)} ({source.DocumentName})";
        }
        else if (!hasText)
        {
            reply.TextSource += $"; {Path.GetFileName(pdb)} does not embed the source";
        }
        return source.SourceLinkUrl;
    }

    private static string Text(AnnotatedFile f, string? url)
    {
        var w = new StringWriter { NewLine = "\n" };
        w.WriteLine($"{f.Path}  {f.FromDay} – {f.ToDay} (UTC)");
        w.WriteLine($"owners: {(f.Owners.Count == 0 ? "unowned" : string.Join(' ', f.Owners))}{(f.OwnersFromService.Length > 0 ? $" (CODEOWNERS of {f.OwnersFromService})" : "")}");
        w.WriteLine($"services: {(f.Services.Count == 0 ? "-" : string.Join(' ', f.Services))}; runs: {f.Runs.Count(r => r.Source.Length == 0) + f.RunsNotListed} production" +
                    $" ({f.Runs.Count(r => r.Canary)} canary), hosts: {string.Join(' ', f.Runs.Where(r => r.Source.Length == 0).Select(r => r.Host).Distinct().Order(StringComparer.Ordinal))}");
        if (f.RigSources.Count > 0) w.WriteLine($"rigs: {string.Join(' ', f.RigSources)}");
        w.WriteLine($"lines: {f.ExecutableLines} executable, {f.DeadCertainLines} dead-certain (!), {f.DeadProbableLines} dead-probable (?)");
        w.WriteLine($"text: {f.TextSource}");
        if (url is not null) w.WriteLine($"source: {url}");
        w.WriteLine();
        var width = f.Lines.Count.ToString(CultureInfo.InvariantCulture).Length;
        foreach (var l in f.Lines)
        {
            var mark = l.Status switch
            {
                LineStatus.DeadCertain => '!',
                LineStatus.DeadProbable => '?',
                LineStatus.Live => ' ',
                _ => '.',
            };
            var rigs = string.Concat(l.RigStatus.Select(r => r switch { "run" => '+', "missed" => '-', _ => ' ' }));
            w.WriteLine($"{l.Number.ToString(CultureInfo.InvariantCulture).PadLeft(width)} {mark}{(rigs.Length > 0 ? " " + rigs : "")} | {l.Text}");
        }
        w.WriteLine();
        if (!f.MethodsKnown)
        {
            w.WriteLine("methods: no production run said which methods of this file never ran");
        }
        else if (f.NotRunMethods.Count == 0)
        {
            w.WriteLine($"methods: every method of the file ran on the newest covered day of the last {f.PeriodDays} days");
        }
        else
        {
            w.WriteLine($"methods not run (covered days within the last {f.PeriodDays}):");
            foreach (var m in f.NotRunMethods)
                w.WriteLine($"  {m.DaysNotRun,4} day(s) since {m.SinceDay}  {m.Confidence,-8}  line {m.Line}  {m.Name}");
        }
        if (f.FileDaysNotRun > 0) w.WriteLine($"no line of the file ran on the last {Formatting.Quantity(f.FileDaysNotRun, "covered day")}");
        return w.ToString();
    }
}
