namespace FleetProfiler.Cli.Tests.EndToEnd;

/// <summary><c>cost</c> and <c>owners</c> commands, run in-process against the real platform process.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CostCommandsTests(SeededPlatform platform)
{
    private const string Service = SeededPlatform.Service;

    private Task<CliResult> RunAsync(params string[] args) => Tool.RunAsync([.. args, "--gateway", platform.GatewayUrl]);

    [Fact]
    public async Task Cost_set_then_list_shows_the_month_and_its_rates()
    {
        var set = await RunAsync("cost", "set", "--service", Service, "--month", "2030-01", "--usd", "12000", "--instance-hours", "2160");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal($"{Service} 2030-01: $12,000.00, 2,160.00 instance-hours ($0.2688 a minute, $5.56 an instance-hour)\n", set.Out);

        var list = await RunAsync("cost", "list", "--service", Service);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("2030-01", list.Out);
        Assert.Contains("$12,000.00", list.Out);
        Assert.Contains("$0.2688", list.Out);
    }

    [Fact]
    public async Task A_bad_month_exits_3_with_the_gateways_reason()
    {
        var r = await RunAsync("cost", "set", "--service", Service, "--month", "2030-13", "--usd", "1");
        Assert.True(r.ExitCode == ExitCodes.InvalidArgument, r.ToString());
        Assert.StartsWith("fleetprofiler: the gateway rejected the request: month: '2030-13' is not a month written YYYY-MM", r.Error);
    }

    [Fact]
    public async Task Cost_import_reports_rows_and_refuses_a_file_with_a_bad_row()
    {
        var good = platform.Files.Combine("costs.csv");
        await File.WriteAllTextAsync(good, $"service,month,usd,instance_hours\n{Service},2031-01,100,10\n{Service},2031-02,200,20\n");
        var r = await RunAsync("cost", "import", "--file", good);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"imported 2 rows for {Service}\n", r.Out);

        var bad = platform.Files.Combine("bad.csv");
        await File.WriteAllTextAsync(bad, $"{Service},2031-03,1,1\n{Service},2031-04,-5,1\n");
        var refused = await RunAsync("cost", "import", "--file", bad);
        Assert.True(refused.ExitCode == ExitCodes.InvalidArgument, refused.ToString());
        Assert.Contains("csv line 2: usd: -5 is not an amount", refused.Error);
        var list = await RunAsync("cost", "list", "--service", Service);
        Assert.DoesNotContain("2031-03", list.Out);

        var missing = await RunAsync("cost", "import", "--file", platform.Files.Combine("none.csv"));
        Assert.True(missing.ExitCode == ExitCodes.Usage, missing.ToString());
        Assert.Contains("does not exist", missing.Error);
    }

    [Fact]
    public async Task Owners_set_warns_about_skipped_lines_and_resolve_names_the_deciding_rule()
    {
        var file = platform.Files.Combine("CODEOWNERS");
        await File.WriteAllTextAsync(file, "* @org/platform\n!x @nobody\nsrc/Orders/ @org/orders\n");
        var set = await RunAsync("owners", "set", "--service", Service, "--file", file);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal($"{Service}: CODEOWNERS with 2 rules stored, 1 line skipped\n", set.Out);
        Assert.Contains("warning: CODEOWNERS line 2: negation ('!') is not supported in CODEOWNERS (skipped)", set.Error);

        var r = await RunAsync("owners", "resolve", "--service", Service, "--path", "src/Orders/Api.cs,README.md");
        Assert.True(r.ExitCode == 0, r.ToString());
        var rows = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Equal(["PATH OWNERS LINE PATTERN", "src/Orders/Api.cs @org/orders 3 src/Orders/", "README.md @org/platform 1 *"], rows);
    }

    [Fact]
    public async Task A_two_word_command_alone_is_an_unknown_command()
    {
        var r = await Tool.RunAsync(["cost"]);
        Assert.True(r.ExitCode == ExitCodes.Usage, r.ToString());
        Assert.Contains("unknown command 'cost'", r.Error);
        Assert.Contains("cost set", r.Error);
    }
}
