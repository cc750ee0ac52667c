namespace FleetProfiler.Cli.Tests.EndToEnd;

/// <summary><c>cost report</c>, <c>cost top</c>, <c>teams</c> and <c>owners endpoint|list</c>, run in-process against the real platform.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CostReportCommandsTests(SeededPlatform platform)
{
    private const string Service = SeededPlatform.Service;

    private Task<CliResult> RunAsync(params string[] args) => Tool.RunAsync([.. args, "--gateway", platform.GatewayUrl]);

    private async Task SetMonthCostAsync()
    {
        // One minute of the range's month costs $1 whatever its length: USD = its minutes.
        var month = platform.RecentStart.UtcDateTime;
        var minutes = DateTime.DaysInMonth(month.Year, month.Month) * 24 * 60;
        var set = await RunAsync("cost", "set", "--service", Service, "--month", month.ToString("yyyy-MM", CultureInfo.InvariantCulture), "--usd", minutes.ToString(CultureInfo.InvariantCulture));
        Assert.True(set.ExitCode == 0, set.ToString());
    }

    [Fact]
    public async Task Cost_report_states_total_range_basis_and_windows_and_keeps_unattributed_cpu_on_its_own_row()
    {
        await SetMonthCostAsync();
        var r = await RunAsync(["cost", "report", "--service", Service, "--basis", "cpu", .. platform.Recent]);
        Assert.True(r.ExitCode == 0, r.ToString());
        // The seeded windows carry no endpoint labels: their CPU stays on [not attributed], never spread; no request → [no data].
        var lines = r.Out.Split('\n');
        Assert.Contains(lines, l => l.TrimStart().StartsWith("USD", StringComparison.Ordinal) && l.EndsWith("ENDPOINT", StringComparison.Ordinal));
        Assert.True(lines.Any(l => l.StartsWith("$2.00", StringComparison.Ordinal) && l.EndsWith("[not attributed]", StringComparison.Ordinal)), r.ToString());
        Assert.Contains($"total $2.00 over {Formatting.Time(platform.RecentStart.AddMinutes(-1))} – {Formatting.Time(platform.RecentStart.AddMinutes(1))} (2 minutes), basis cpu, 1 window behind the CPU and allocation shares", r.Out);
    }

    [Fact]
    public async Task Teams_and_top_answer_and_explicit_owners_are_listed()
    {
        var set = await RunAsync("owners", "endpoint", "--service", Service, "--endpoint", "GET /cart", "--team", "@org/cart");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("GET /cart  @org/cart", set.Out);
        var teams = await RunAsync(["teams", "--service", Service, .. platform.Recent]);
        Assert.True(teams.ExitCode == 0, teams.ToString());
        Assert.Contains(teams.Out.Split('\n'), l => l.StartsWith("@org/cart", StringComparison.Ordinal));
        var top = await RunAsync(["cost", "top", "--service", Service, "--by", "cpu-per-request", .. platform.Recent]);
        Assert.True(top.ExitCode == 0, top.ToString());
        var removed = await RunAsync("owners", "endpoint", "--service", Service, "--endpoint", "GET /cart", "--remove");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.DoesNotContain("@org/cart", (await RunAsync("owners", "list", "--service", Service)).Out);
    }

    [Theory]
    [InlineData(ExitCodes.Usage, "--basis: unknown value 'dollars' (requests, cpu, alloc)", "cost", "report", "--service", Service, "--basis", "dollars")]
    [InlineData(ExitCodes.Usage, "--service or --team is required", "teams")]
    [InlineData(ExitCodes.Usage, "give either --team or --remove", "owners", "endpoint", "--service", Service, "--endpoint", "GET /x")]
    [InlineData(ExitCodes.NotFound, "unknown service 'nowhere' (no agent has reported it)", "cost", "report", "--service", "nowhere")]
    [InlineData(ExitCodes.InvalidArgument, "team: 'cart' (for 'GET /x') is not @user, @org/team or an e-mail address", "owners", "endpoint", "--service", Service, "--endpoint", "GET /x", "--team", "cart")]
    [InlineData(ExitCodes.InvalidArgument, "to: the range is longer than 92 days", "cost", "report", "--service", Service, "--since", "100d")]
    public async Task Bad_input_exits_with_its_code_and_names_the_problem(int code, string message, params string[] args)
    {
        var r = await RunAsync(args);
        Assert.True(r.ExitCode == code, r.ToString());
        Assert.Contains(message, r.Error);
    }
}
