using FleetProfiler.Protocol;

namespace FleetProfiler.Tests.Silo;

/// <summary>
/// A bad setting stops start-up with exit code 64 (<see cref="ExitCodes.Usage"/>) and one message naming the setting,
/// not a stack trace; a PostgreSQL that does not answer exits with 4 (<see cref="ExitCodes.Unreachable"/>), worth a restart.
/// </summary>
public sealed class StartupErrorTests
{
    private static async Task<(int Code, string Output)> RunAsync(Dictionary<string, string> settings)
    {
        using var dir = new TempDirectory();
        var ports = FreePorts.Take(2);
        await using var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]);
        var code = await silo.WaitExitAsync();
        return (code, string.Join('\n', silo.Process.StderrLines.Concat(silo.Process.StdoutLines)));
    }

    private static void AssertOneClearLine(string output, string setting)
    {
        Assert.Contains(setting, output);
        Assert.DoesNotContain("   at ", output); // no stack trace
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Unknown_mode_names_the_mode_setting()
    {
        var (code, output) = await RunAsync(new() { ["Mode"] = "galaxy" });
        Assert.Equal(ExitCodes.Usage, code);
        AssertOneClearLine(output, "FleetProfiler:Mode");
        Assert.Contains("galaxy", output);
    }

    [Fact]
    public async Task A_schedule_minimum_below_the_reminder_minimum_names_both_settings()
    {
        var (code, output) = await RunAsync(new() { ["Scheduling:MinimumPeriod"] = "00:00:30" });
        Assert.Equal(ExitCodes.Usage, code);
        AssertOneClearLine(output, "FleetProfiler:Scheduling:MinimumPeriod: 00:00:30 is below FleetProfiler:Reminders:MinimumReminderPeriod (00:01:00)");
    }

    [Fact]
    public async Task Cluster_mode_without_connection_string_names_it()
    {
        var (code, output) = await RunAsync(new() { ["Mode"] = "cluster" });
        Assert.Equal(ExitCodes.Usage, code);
        AssertOneClearLine(output, "FleetProfiler:PostgreSql:ConnectionString is not set");
    }

    [Fact]
    public async Task Unreachable_postgres_names_the_connection_string_and_the_address()
    {
        var closedPort = FreePorts.Take(1)[0];
        var (code, output) = await RunAsync(new()
        {
            ["Mode"] = "cluster",
            ["PostgreSql:ConnectionString"] = $"Host=127.0.0.1;Port={closedPort};Database=nothing;Username=nobody;Timeout=3",
        });
        Assert.Equal(ExitCodes.Unreachable, code);
        AssertOneClearLine(output, "FleetProfiler:PostgreSql:ConnectionString: cannot connect");
        Assert.Contains($"127.0.0.1:{closedPort}", output);
    }

    [Fact]
    public async Task Database_without_schema_points_to_the_schema_script()
    {
        await using var empty = await TestPostgres.CreateEmptyDatabaseAsync();
        var (code, output) = await RunAsync(new() { ["Mode"] = "cluster", ["PostgreSql:ConnectionString"] = empty.ConnectionString });
        Assert.Equal(ExitCodes.Usage, code);
        AssertOneClearLine(output, "deploy/scripts/create-db.sh");
    }

    [Fact]
    public async Task A_bad_silo_address_names_the_setting()
    {
        var (code, output) = await RunAsync(new() { ["Silo:AdvertisedIP"] = "not-an-ip" });
        Assert.Equal(ExitCodes.Usage, code);
        AssertOneClearLine(output, "FleetProfiler:Silo:AdvertisedIP");
    }
}
