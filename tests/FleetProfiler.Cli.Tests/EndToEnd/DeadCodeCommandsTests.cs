using static FleetProfiler.Testing.CoverageFileSpec;

namespace FleetProfiler.Cli.Tests.EndToEnd;

/// <summary><c>deadcode</c>, <c>deadcode import</c> and <c>annotate</c>, run in-process against the real platform process.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DeadCodeCommandsTests(SeededPlatform platform)
{
    private Task<CliResult> RunAsync(params string[] args) => Tool.RunAsync([.. args, "--gateway", platform.GatewayUrl]);

    /// <summary>A service of its own (no CODEOWNERS set by other tests), with one run on the day; returns the path prefix.</summary>
    private async Task<(string Prefix, string Service)> SeedAsync(string day)
    {
        var prefix = "cli" + Guid.NewGuid().ToString("N")[..6] + "/";
        var service = "deadcode-" + prefix.TrimEnd('/');
        var at = new DateTimeOffset(DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);
        await platform.Agent.SendAckedAsync(CoverageBatches.Run((ulong)Random.Shared.NextInt64(1_000, long.MaxValue / 2), service, SeededPlatform.Host, at,
            [new(prefix + "src/Dead.cs", Lines(1, 10), Lines(5, 10), [2])],
            deadMethods: [("Orders.Dead.Unused", prefix + "src/Dead.cs", 5, Protocol.V1.DeadConfidence.DeadCertain)]));
        return (prefix, service);
    }

    [Fact]
    public async Task Deadcode_ranks_files_and_exports_csv_and_annotate_marks_every_line()
    {
        var (prefix, service) = await SeedAsync("2026-11-20");

        var table = await RunAsync("deadcode", "--day", "2026-11-20", "--prefix", prefix);
        Assert.True(table.ExitCode == 0, table.ToString());
        var row = table.Out.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Equal($"{prefix}src/Dead.cs 6 1 10 1 1 1 unowned", string.Join(' ', row.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

        var csv = await RunAsync("deadcode", "--from", "2026-11-20", "--to", "2026-11-20", "--prefix", prefix, "--format", "csv");
        Assert.True(csv.ExitCode == 0, csv.ToString());
        Assert.Equal("path,dead_certain_lines,dead_probable_lines,executable_lines,runs,canary_runs,hosts,days,services,owners,rig_sources,run_by_rig_only_lines,run_in_production_only_lines\n" +
                     $"{prefix}src/Dead.cs,6,1,10,1,0,1,1,{service},,,0,0\n", csv.Out);

        var annotated = await RunAsync("annotate", prefix + "src/Dead.cs", "--day", "2026-11-20", "--period", "7");
        Assert.True(annotated.ExitCode == 0, annotated.ToString());
        var lines = annotated.Out.Split('\n');
        Assert.Contains(" 1   | ", lines);
        Assert.Contains(" 2 ? | ", lines);
        Assert.Contains(" 5 ! | ", lines);
        Assert.Contains(lines, l => l.Contains("1 day(s) since 2026-11-20") && l.EndsWith("line 5  Orders.Dead.Unused", StringComparison.Ordinal));
        Assert.Contains("text: no source text", annotated.Out);
    }

    [Fact]
    public async Task Annotate_of_a_file_no_run_covered_exits_2_and_bad_days_are_usage_errors()
    {
        var missing = await RunAsync("annotate", "nowhere/src/None.cs", "--day", "2026-11-21");
        Assert.True(missing.ExitCode == ExitCodes.NotFound, missing.ToString());
        Assert.Contains("no run covered 'nowhere/src/None.cs'", missing.Error);

        var both = await RunAsync("deadcode", "--day", "2026-11-21", "--days", "3");
        Assert.True(both.ExitCode == ExitCodes.Usage, both.ToString());
        var bad = await RunAsync("deadcode", "--day", "21.11.2026");
        Assert.True(bad.ExitCode == ExitCodes.Usage, bad.ToString());
        Assert.Contains("--day: '21.11.2026' is not a day", bad.Error);
        var noFile = await RunAsync("annotate", "--day", "2026-11-21");
        Assert.True(noFile.ExitCode == ExitCodes.Usage, noFile.ToString());
    }

    [Fact]
    public async Task Deadcode_teams_rolls_files_up_per_owner_and_notrun_lists_the_usage_period()
    {
        var (prefix, service) = await SeedAsync("2026-11-23");

        var teams = await RunAsync("deadcode", "teams", "--day", "2026-11-23", "--prefix", prefix, "--format", "csv");
        var table = await RunAsync("deadcode", "teams", "--day", "2026-11-23", "--prefix", prefix);
        var notrun = await RunAsync("deadcode", "notrun", "--to", "2026-11-23", "--period", "3", "--prefix", prefix);

        Assert.True(teams.ExitCode == 0, teams.ToString());
        Assert.Equal($",6,1,10,1,1,{service},{prefix}src/Dead.cs,6,1", teams.Out.Split('\n')[1]);   // no CODEOWNERS: unowned
        Assert.Contains(table.Out.Split('\n'), l => l.StartsWith("unowned ", StringComparison.Ordinal) && l.EndsWith($"{prefix}src/Dead.cs", StringComparison.Ordinal));
        Assert.True(notrun.ExitCode == 0, notrun.ToString());
        Assert.Contains(notrun.Out.Split('\n'), l => l.Contains("2026-11-23") && l.Contains("certain") && l.EndsWith("Orders.Dead.Unused", StringComparison.Ordinal));
        var bad = await RunAsync("deadcode", "notrun", "--to", "23.11.2026");
        Assert.True(bad.ExitCode == ExitCodes.Usage, bad.ToString());
    }

    [Fact]
    public async Task Annotate_takes_the_text_from_a_pdbs_embedded_source_when_the_gateway_has_no_checkout()
    {
        // tests/FleetProfiler.DeadCodeShared is built with <EmbedAllSources>: its PDB carries SharedCode.cs.
        const string path = "tests/FleetProfiler.DeadCodeShared/SharedCode.cs";
        var source = File.ReadAllLines(Repo.File("tests", "FleetProfiler.DeadCodeShared", "SharedCode.cs"));
        var service = "pdb-" + Guid.NewGuid().ToString("N")[..8];
        await platform.Agent.SendAckedAsync(CoverageBatches.Run((ulong)Random.Shared.NextInt64(1_000, long.MaxValue / 2), service, SeededPlatform.Host,
            new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), [new(path, Lines(1, 5), [3], [])]));
        var pdb = Path.Combine(Repo.OutputDirectory("tests", "FleetProfiler.DeadCodeShared"), "FleetProfiler.DeadCodeShared.pdb");

        var r = await RunAsync("annotate", path, "--day", "2026-11-24", "--pdb", pdb);
        var tsv = await RunAsync("annotate", path, "--day", "2026-11-24", "--pdb", pdb, "--format", "tsv");
        var wrong = await RunAsync("annotate", path, "--day", "2026-11-24", "--pdb", Path.ChangeExtension(typeof(DeadCodeCommandsTests).Assembly.Location, ".pdb"));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("text: embedded source of FleetProfiler.DeadCodeShared.pdb", r.Out);
        var lines = r.Out.Split('\n');
        Assert.Contains(lines, l => l.TrimStart().StartsWith("3 ! |", StringComparison.Ordinal) && l.EndsWith("| " + source[2], StringComparison.Ordinal));
        Assert.True(tsv.ExitCode == 0, tsv.ToString());
        var rows = tsv.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(source.Length + 1, rows.Length);   // the header, then every line of the file, text included
        Assert.Equal($"{source.Length}\tnot-executable\t{source[^1]}", rows[^1]);
        Assert.True(wrong.ExitCode == ExitCodes.Usage, wrong.ToString());
        Assert.Contains($"has no document ending with '{path}'", wrong.Error);
    }

    [Fact]
    public async Task Annotate_prints_the_files_SourceLink_URL_from_the_map_the_compiler_wrote_into_the_pdb()
    {
        // This test assembly is compiled with a SourceLink map {"<repository root>/*": "https://raw.example/…/*"}
        // (FleetProfiler.Cli.Tests.csproj); its PDB names this file by its build path.
        const string path = "tests/FleetProfiler.Cli.Tests/EndToEnd/DeadCodeCommandsTests.cs";
        const string sharedPath = "tests/FleetProfiler.DeadCodeShared/SharedCode.cs";
        var service = "srclink-" + Guid.NewGuid().ToString("N")[..8];
        await platform.Agent.SendAckedAsync(CoverageBatches.Run((ulong)Random.Shared.NextInt64(1_000, long.MaxValue / 2), service, SeededPlatform.Host,
            new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero), [new(path, Lines(1, 5), [3], []), new(sharedPath, Lines(1, 5), [3], [])]));
        var pdb = Path.ChangeExtension(typeof(DeadCodeCommandsTests).Assembly.Location, ".pdb");

        var withPdb = await RunAsync("annotate", path, "--day", "2026-11-25", "--pdb", pdb);
        var withDll = await RunAsync("annotate", path, "--day", "2026-11-25", "--pdb", typeof(DeadCodeCommandsTests).Assembly.Location);
        var withoutMap = await RunAsync("annotate", sharedPath, "--day", "2026-11-25",
            "--pdb", Path.Combine(Repo.OutputDirectory("tests", "FleetProfiler.DeadCodeShared"), "FleetProfiler.DeadCodeShared.pdb"));

        Assert.True(withPdb.ExitCode == 0, withPdb.ToString());
        Assert.Contains("source: https://raw.example/fleetprofiler/0123456789abcdef/" + path, withPdb.Out.Split('\n'));
        Assert.Contains("does not embed the source", withPdb.Out);
        Assert.True(withDll.ExitCode == 0, withDll.ToString());
        Assert.Contains("source: https://raw.example/fleetprofiler/0123456789abcdef/" + path, withDll.Out.Split('\n'));
        // A PDB without a map: no URL line.
        Assert.True(withoutMap.ExitCode == 0, withoutMap.ToString());
        Assert.DoesNotContain(withoutMap.Out.Split('\n'), l => l.StartsWith("source: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_sourcelink_map_gives_the_longest_matching_prefix_with_the_rest_of_the_path()
    {
        var json = """{"documents": {"/_/*": "https://raw.example/org/repo/abc/*", "/_/ext/lib/*": "https://raw.example/org/lib/def/*", "/_/one.cs": "https://x/one"}}"""u8.ToArray();

        Assert.Equal("https://raw.example/org/repo/abc/src/A.cs", FleetProfiler.Protocol.PdbSources.MapSourceLink(json, "/_/src/A.cs"));
        Assert.Equal("https://raw.example/org/lib/def/B.cs", FleetProfiler.Protocol.PdbSources.MapSourceLink(json, "/_/ext/lib/B.cs"));
        Assert.Equal("https://x/one", FleetProfiler.Protocol.PdbSources.MapSourceLink(json, "/_/one.cs"));
        Assert.Equal("https://raw.example/org/repo/abc/src/W.cs", FleetProfiler.Protocol.PdbSources.MapSourceLink("""{"documents": {"C:\\src\\*": "https://raw.example/org/repo/abc/*"}}"""u8.ToArray(), "C:\\src\\src\\W.cs"));
        Assert.Null(FleetProfiler.Protocol.PdbSources.MapSourceLink(json, "/elsewhere/C.cs"));
    }

    [Fact]
    public async Task Deadcode_import_reports_coverlets_line_counts()
    {
        var report = Repo.File("tests", "FleetProfiler.Tests", "testdata", "coverlet-profiles.cobertura.xml");

        var r = await RunAsync("deadcode", "import", "--source", "integration-rig", "--file", report, "--day", "2026-11-22", "--root", "/build/fleetprofiler");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("integration-rig 2026-11-22: ", r.Out);
        Assert.Contains("1,494 lines, 218 covered", r.Out);
        var again = await RunAsync("deadcode", "import", "--source", "integration-rig", "--file", report, "--day", "2026-11-22", "--root", "/build/fleetprofiler");
        Assert.Contains("already imported", again.Out);
    }
}
