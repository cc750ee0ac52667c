using FleetProfiler.Testing.Chaos;
using Xunit.Abstractions;

namespace FleetProfiler.Tests.Chaos;

/// <summary>
/// Issue 10's chaos proof, short enough for CI: three silos on a PostgreSQL of their own plus the gateway, 20 simulated
/// agents, silos and the gateway killed with SIGKILL and restarted, PostgreSQL stopped for 10 s. Every service's
/// per-minute and per-hour totals must equal what the agents offered. The long run is the benchmark
/// (<c>dotnet run -c Release --project tests/FleetProfiler.Benchmarks -- chaos</c>, docs/benchmarks.md).
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_silos_and_the_gateway_and_stopping_PostgreSQL_loses_no_window_and_counts_none_twice()
    {
        var report = await ChaosRun.RunAsync(new ChaosOptions
        {
            Agents = 20,
            Services = 4,
            SiloKills = 3,
            GatewayKills = 1,
            PostgresOutage = TimeSpan.FromSeconds(10),
            Log = line => output.WriteLine(line),
        });
        output.WriteLine(report.Summary);
        foreach (var line in report.Mismatches.Where(m => m.StartsWith("rejected", StringComparison.Ordinal)).Take(10).Concat(report.Mismatches.Take(20)))
            output.WriteLine("mismatch: " + line);
        foreach (var line in report.ErrorLines.Take(30)) output.WriteLine("logged: " + line);

        Assert.True(report.Faults.Count == 5, report.Summary);
        Assert.True(report.Acked > 0 && report.Acked == report.Offered, report.Summary);
        Assert.Equal(0, report.Rejected);
        Assert.True(report.Mismatches.Count == 0, string.Join("\n", report.Mismatches.Take(20)));
        Assert.Equal((0L, 0L, 0L), (report.Lost, report.DoubleCounted, report.QuarantinedRows));
    }
}
