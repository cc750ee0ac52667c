using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using DeadCodeClient = FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler deadcode</c>: files ranked by lines that never ran in production, over UTC days.</summary>
public sealed class DeadCodeCommand : ToolCommand
{
    public override string Name => "deadcode";
    public override string Summary => "files ranked by lines that never ran in production (certain first)";

    public override string Help => $$"""
        Usage: fleetprofiler deadcode [--day D | --from D [--to D] | --days N] [--service S] [--team T] [--prefix P]
                                      [--limit N] [--live] [--format table|tsv|csv] [-o FILE]

        A line is dead when every coverage run of every service that loaded its file missed it, over the UTC
        days asked (default today). DEAD! lines could not have run unseen (certain); DEAD? lines might have
        run inlined into a caller (probable). Ranked by DEAD!, then DEAD?. Prints a table: PATH, DEAD!, DEAD?,
        EXECUTABLE, RUNS, HOSTS, DAYS, OWNERS; --format tsv or csv writes every column (see docs/dead-code.md).

        {{DayHelp}}
          --service S        only files the service's runs covered
          --team T           only files CODEOWNERS gives to T (e.g. @org/payments)
          --prefix P         only paths starting with P
          --limit N          at most N files (default 50, at most 10000)
          --live             also files with no dead line
          --format F         table (default), tsv or csv
          -o FILE            write to FILE instead of stdout
        """;

    internal const string DayHelp = """
          --day D            one UTC day, YYYY-MM-DD (default today)
          --from D, --to D   an inclusive range of UTC days (--to defaults to today)
          --days N           the last N days up to today
        """;

    internal static readonly OptionSpec[] DayOptions = [new("--day"), new("--from"), new("--to"), new("--days")];

    protected override IEnumerable<OptionSpec> Options =>
        [.. DayOptions, new("--service"), new("--team"), new("--prefix"), new("--limit"), new("--live", IsFlag: true), new("--format"), new("-o", Alias: "--output")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var (from, to) = Days(context, o);
        var format = o.OneOf("--format", "table", "tsv", "csv") ?? "table";
        var file = o.Value("-o");
        ProfileOutput.Check(context.Console, file, format, isBinary: false);
        var reply = await new DeadCodeClient(context.Gateway.Channel).ListDeadFilesAsync(new ListDeadFilesRequest
        {
            FromDay = from,
            ToDay = to,
            Service = o.Value("--service") ?? "",
            Team = o.Value("--team") ?? "",
            PathPrefix = o.Value("--prefix") ?? "",
            Limit = o.Int("--limit", 1, 10_000) ?? 0,
            IncludeLive = o.Flag("--live"),
        }, context.Call());
        string text;
        if (format == "table")
        {
            var table = new TextTable(("PATH", false), ("DEAD!", true), ("DEAD?", true), ("EXECUTABLE", true), ("RUNS", true), ("HOSTS", true), ("DAYS", true), ("OWNERS", false));
            foreach (var f in reply.Files)
            {
                table.Add(f.Path, Formatting.Count(f.DeadCertainLines), Formatting.Count(f.DeadProbableLines), Formatting.Count(f.ExecutableLines),
                    Formatting.Count(f.Runs), Formatting.Count(f.Hosts), Formatting.Count(f.Days), f.Owners.Count == 0 ? "unowned" : string.Join(' ', f.Owners));
            }

            var writer = new StringWriter();
            table.WriteTo(writer);
            writer.WriteLine($"{Formatting.Quantity(reply.Files.Count, "file")} of {reply.Matched} with dead lines, {reply.FromDay} – {reply.ToDay} (UTC), " +
                             $"{Formatting.Quantity(reply.Runs, "production run")}" + (reply.FilesRefused > 0 ? $"; {reply.FilesRefused} file(s) over the daily cap are not listed" : ""));
            text = writer.ToString();
        }
        else
        {
            text = DeadCodeTables.Write(format, DeadCodeTables.FileColumns, DeadCodeTables.FileRows(reply));
        }
        await ProfileOutput.WriteAsync(context.Console, System.Text.Encoding.UTF8.GetBytes(text), file, false, $"{reply.Files.Count} files", context.Cancellation);
        return ExitCodes.Ok;
    }

    /// <summary>The request's from/to days from --day, --from/--to or --days ("" = today on the gateway's clock).</summary>
    internal static (string From, string To) Days(CommandContext context, OptionReader o)
    {
        var given = new[] { "--day", "--from", "--days" }.Count(o.Has);
        if (given > 1) throw new UsageException("give one of --day, --from/--to and --days");
        if (o.Has("--to") && !o.Has("--from")) throw new UsageException("--to needs --from");
        var today = DateOnly.FromDateTime(context.Now.UtcDateTime);
        if (o.Int("--days", 1, 366) is { } n) return (Day(today.AddDays(1 - n)), Day(today));
        if (o.Value("--day") is { } day) return (Checked(day, "--day"), Checked(day, "--day"));
        if (o.Value("--from") is { } from) return (Checked(from, "--from"), o.Value("--to") is { } to ? Checked(to, "--to") : Day(today));
        return ("", "");
    }

    private static string Checked(string text, string option) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? text
            : throw new UsageException($"{option}: '{text}' is not a day (YYYY-MM-DD, UTC)");

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary><c>fleetprofiler deadcode teams</c>: dead lines per CODEOWNERS owner.</summary>
public sealed class DeadCodeTeamsCommand : ToolCommand
{
    public override string Name => "deadcode teams";
    public override string Summary => "dead lines per team (CODEOWNERS owner), certain first";

    public override string Help => $$"""
        Usage: fleetprofiler deadcode teams [--day D | --from D [--to D] | --days N] [--service S] [--prefix P]
                                            [--format table|tsv|csv] [-o FILE]

        Every covered file's lines counted for each CODEOWNERS owner of the file (set per service with
        'owners set'); a file with two owners counts for both, files no rule owns under "unowned". Ranked
        by DEAD! (certain), then DEAD? (probable). Prints TEAM, DEAD!, DEAD?, EXECUTABLE, FILES, WITH DEAD,
        TOP FILE; --format tsv or csv writes every column (see docs/dead-code.md).

        {{DeadCodeCommand.DayHelp}}
          --service S        only files the service's runs covered
          --prefix P         only paths starting with P
          --format F         table (default), tsv or csv
          -o FILE            write to FILE instead of stdout
        """;

    protected override IEnumerable<OptionSpec> Options =>
        [.. DeadCodeCommand.DayOptions, new("--service"), new("--prefix"), new("--format"), new("-o", Alias: "--output")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var (from, to) = DeadCodeCommand.Days(context, o);
        var format = o.OneOf("--format", "table", "tsv", "csv") ?? "table";
        var file = o.Value("-o");
        ProfileOutput.Check(context.Console, file, format, isBinary: false);
        var reply = await new DeadCodeClient(context.Gateway.Channel).DeadCodeByTeamAsync(new DeadCodeByTeamRequest
        {
            FromDay = from,
            ToDay = to,
            Service = o.Value("--service") ?? "",
            PathPrefix = o.Value("--prefix") ?? "",
        }, context.Call());
        string text;
        if (format == "table")
        {
            var table = new TextTable(("TEAM", false), ("DEAD!", true), ("DEAD?", true), ("EXECUTABLE", true), ("FILES", true), ("WITH DEAD", true), ("TOP FILE", false));
            foreach (var t in reply.Teams)
            {
                table.Add(t.Team.Length == 0 ? "unowned" : t.Team, Formatting.Count(t.DeadCertainLines), Formatting.Count(t.DeadProbableLines), Formatting.Count(t.ExecutableLines),
                    Formatting.Count(t.Files), Formatting.Count(t.FilesWithDeadLines), t.TopFile);
            }
            var writer = new StringWriter();
            table.WriteTo(writer);
            writer.WriteLine($"{Formatting.Quantity(reply.Teams.Count, "team")}, {reply.FromDay} – {reply.ToDay} (UTC), {Formatting.Quantity(reply.Runs, "production run")}" +
                             (reply.FilesRefused > 0 ? $"; {reply.FilesRefused} file(s) over the daily cap are not counted" : ""));
            text = writer.ToString();
        }
        else
        {
            text = DeadCodeTables.Write(format, DeadCodeTables.TeamColumns, DeadCodeTables.TeamRows(reply));
        }
        await ProfileOutput.WriteAsync(context.Console, System.Text.Encoding.UTF8.GetBytes(text), file, false, $"{reply.Teams.Count} teams", context.Cancellation);
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler deadcode notrun</c>: methods and files not run for N days over a usage period.</summary>
public sealed class DeadCodeNotRunCommand : ToolCommand
{
    public override string Name => "deadcode notrun";
    public override string Summary => "methods and files not run for N covered days over a usage period";

    public override string Help => """
        Usage: fleetprofiler deadcode notrun [--to D] [--period DAYS] [--min DAYS] [--service S] [--prefix P]
                                             [--limit N] [--format table|tsv|csv] [-o FILE]

        Over the usage period ending on the UTC day D (default today; --period days, default the gateway's
        FleetProfiler:DeadCode:PeriodDays, 30): every method that stayed dead, and every file none of whose
        lines ran, for at least --min covered days (default 1), longest first. Days with no run of the file do
        not count. The same numbers as 'annotate' shows per file (see docs/dead-code.md).

          --to D             the period's last UTC day, YYYY-MM-DD (default today)
          --period DAYS      the period's length (1-366)
          --min DAYS         only entries not run for at least DAYS covered days
          --service S        only files the service's runs covered
          --prefix P         only paths starting with P
          --limit N          at most N entries (default 100, at most 10000)
          --format F         table (default), tsv or csv
          -o FILE            write to FILE instead of stdout
        """;

    protected override IEnumerable<OptionSpec> Options =>
        [new("--to"), new("--period"), new("--min"), new("--service"), new("--prefix"), new("--limit"), new("--format"), new("-o", Alias: "--output")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var format = o.OneOf("--format", "table", "tsv", "csv") ?? "table";
        var file = o.Value("-o");
        ProfileOutput.Check(context.Console, file, format, isBinary: false);
        var to = o.Value("--to") ?? "";
        if (to.Length > 0 && !DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            throw new UsageException($"--to: '{to}' is not a day (YYYY-MM-DD, UTC)");
        var reply = await new DeadCodeClient(context.Gateway.Channel).ListNotRunAsync(new ListNotRunRequest
        {
            ToDay = to,
            PeriodDays = o.Int("--period", 1, 366) ?? 0,
            MinDays = o.Int("--min", 1, 366) ?? 0,
            Service = o.Value("--service") ?? "",
            PathPrefix = o.Value("--prefix") ?? "",
            Limit = o.Int("--limit", 1, 10_000) ?? 0,
        }, context.Call());
        string text;
        if (format == "table")
        {
            var table = new TextTable(("DAYS", true), ("SINCE", false), ("CONF", false), ("PATH", false), ("LINE", true), ("METHOD", false));
            foreach (var e in reply.Entries)
            {
                table.Add(Formatting.Count(e.DaysNotRun), e.SinceDay, e.Confidence, e.Path, e.Line == 0 ? "" : Formatting.Count(e.Line), e.Method.Length == 0 ? "(whole file)" : e.Method);
            }
            var writer = new StringWriter();
            table.WriteTo(writer);
            writer.WriteLine($"{Formatting.Count(reply.Entries.Count)} of {reply.Matched} entries, period {reply.FromDay} – {reply.ToDay} (UTC, {reply.PeriodDays} days)");
            text = writer.ToString();
        }
        else
        {
            text = DeadCodeTables.Write(format, DeadCodeTables.NotRunColumns, DeadCodeTables.NotRunRows(reply));
        }
        await ProfileOutput.WriteAsync(context.Console, System.Text.Encoding.UTF8.GetBytes(text), file, false, $"{reply.Entries.Count} entries", context.Cancellation);
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler deadcode import</c>: a Cobertura report of a test rig.</summary>
public sealed class DeadCodeImportCommand : ToolCommand
{
    public override string Name => "deadcode import";
    public override string Summary => "import a Cobertura report (coverlet, dotnet-coverage) as a test rig's run";

    public override string Help => """
        Usage: fleetprofiler deadcode import --source NAME --file coverage.cobertura.xml [--day D] [--root DIR]

        Imports the report as one run of the rig NAME (e.g. integration-rig) on the UTC day D (default today),
        so that 'deadcode' and 'annotate' can compare what tests run with what production runs. The whole
        report is checked first; one bad element or line number refuses it and nothing is stored. Importing
        the same report again for the same day changes nothing.

          --source NAME   the rig (letters, digits, '.', '_', '-')
          --file F        the report ('-' = stdin)
          --day D         the UTC day, YYYY-MM-DD (default today)
          --root DIR      the repository root the report's paths are made relative to (default: the git
                          repository above the report's <source>, when this machine has it)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--source"), new("--file"), new("--day"), new("--root")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var source = o.Required("--source");
        var xml = await InputFile.ReadAsync(o.Required("--file"), context);
        var root = o.Value("--root") ?? GitRootOfSource(xml) ?? "";
        var reply = await new DeadCodeClient(context.Gateway.Channel).ImportCoberturaAsync(new ImportCoberturaRequest
        {
            Source = source,
            Day = o.Value("--day") ?? "",
            Xml = xml,
            Root = root,
        }, context.Call());
        await context.Console.Out.WriteLineAsync(reply.Duplicate
            ? $"{reply.Source} {reply.Day}: this report was already imported (run {reply.RunId}); nothing changed"
            : $"{reply.Source} {reply.Day}: {Formatting.Quantity(reply.Files, "file")}, {Formatting.Count(reply.LinesValid)} lines, {Formatting.Count(reply.LinesCovered)} covered (run {reply.RunId})");
        if (reply.ReportedLinesValid >= 0 && reply.ReportedLinesValid != reply.LinesValid)
            await context.Console.Error.WriteLineAsync($"fleetprofiler: note: the report says lines-valid={reply.ReportedLinesValid}; {reply.LinesValid} distinct file lines were imported");
        return ExitCodes.Ok;
    }

    /// <summary>The git work tree above the report's first &lt;source&gt;, when it exists on this machine.</summary>
    private static string? GitRootOfSource(string xml)
    {
        var match = System.Text.RegularExpressions.Regex.Match(xml, "<source>([^<]+)</source>");
        if (!match.Success) return null;
        for (var dir = new DirectoryInfo(match.Groups[1].Value.Trim()); dir is not null; dir = dir.Parent)
        {
            try
            {
                if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git"))) return dir.FullName;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        }
        return null;
    }
}
