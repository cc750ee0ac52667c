using System.Text.RegularExpressions;
using FleetProfiler.Agent.Discovery;

namespace FleetProfiler.Agent.Tests.Discovery;

/// <summary>
/// Globs are matched without the regex engine (so the idle daemon never loads it); these pin that the glob matcher
/// decides exactly as the anchored, case-insensitive regular expression the rules were documented as.
/// </summary>
public sealed class ServiceFilterTests
{
    private static readonly string[] Globs =
        ["orders", "orders-*", "*-api", "*", "**", "?", "ord?rs", "*ord*", "a*b*c", "a*b?c*", "x", "", "Orders-API", "*.svc", "fleetprofiler-tests-12-*", "a**b", "*?"];

    private static readonly string[] Names =
        ["orders", "ORDERS", "orders-api", "orders-", "order", "ordxrs", "ord", "", "a", "ab", "abc", "aXbYc", "abbc", "abXc", "ac", "x.svc", ".svc",
         "payments-api", "api", "fleetprofiler-tests-12-demo1", "fleetprofiler-tests-123-demo1", "aab", "ba", "ordersorders"];

    [Fact]
    public void A_glob_matches_exactly_what_its_anchored_case_insensitive_regular_expression_matches()
    {
        foreach (var glob in Globs)
        {
            var regex = new Regex($"^(?:{Regex.Escape(glob).Replace(@"\*", ".*").Replace(@"\?", ".")})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            foreach (var name in Names)
            {
                Assert.True(regex.IsMatch(name) == ServiceFilter.GlobMatches(glob, name), $"glob '{glob}' on '{name}': regex says {regex.IsMatch(name)}");
            }
        }
    }

    [Fact]
    public void Include_and_exclude_rules_combine_globs_and_regular_expressions()
    {
        var filter = new ServiceFilter(["orders-*", "re:pay(ments)?-v[0-9]+"], ["*-canary"]);
        Assert.True(filter.Matches("orders-api"));
        Assert.True(filter.Matches("Payments-V2"));
        Assert.True(filter.Matches("pay-v10"));
        Assert.False(filter.Matches("orders-canary"));
        Assert.False(filter.Matches("payments"));
        Assert.False(filter.Matches("shipping"));
        Assert.True(new ServiceFilter([], []).Matches("anything"));
        Assert.NotNull(ServiceFilter.Check("re:("));
        Assert.NotNull(ServiceFilter.Check(" "));
        Assert.Null(ServiceFilter.Check("orders-*"));
    }

    [Theory]
    [InlineData("dotnet-diagnostic-1234-5678-socket", 1234)]
    [InlineData("dotnet-diagnostic-1-0-socket", 1)]
    [InlineData("dotnet-diagnostic-1234-socket", null)]
    [InlineData("dotnet-diagnostic-12a4-5678-socket", null)]
    [InlineData("dotnet-diagnostic-1234-56x8-socket", null)]
    [InlineData("dotnet-diagnostic--5678-socket", null)]
    [InlineData("dotnet-diagnostic-1234--socket", null)]
    [InlineData("dotnet-diagnostic-1234-5678-socket.lock", null)]
    [InlineData("dotnet-diagnostic-99999999999-1-socket", null)]
    [InlineData("clr-debug-pipe-1234-5678-in", null)]
    public void A_diagnostics_socket_name_gives_its_pid(string name, int? pid) =>
        Assert.Equal(pid, DiagnosticsDirectoryWatcher.PidOfSocketName(name));

    [Fact]
    public void The_published_processes_include_this_test_process()
    {
        // The test host publishes its own diagnostics socket in the temp directory (other processes come and go there).
        Assert.Contains(Environment.ProcessId, DiagnosticsDirectoryWatcher.PublishedProcesses());
    }

    [Fact]
    public void A_thread_of_a_live_process_is_not_a_live_process()
    {
        // A stale diagnostics socket in /tmp whose pid is now some process's thread id: /proc/TID is readable, but no
        // process runs there (the agent warned "has no diagnostics socket" for its own threads' ids).
        Assert.True(ProcessDiscovery.ProcessExists(Environment.ProcessId));
        if (!OperatingSystem.IsLinux()) return;
        var threads = Directory.GetDirectories("/proc/self/task").Select(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture)).Where(t => t != Environment.ProcessId).ToList();
        Assert.NotEmpty(threads);
        Assert.All(threads, t => Assert.False(ProcessDiscovery.ProcessExists(t), $"thread {t} of pid {Environment.ProcessId}"));
    }

    [Fact]
    public void A_socket_is_a_processs_own_only_with_its_start_time_as_the_key()
    {
        // The runtime names this test host's socket with its start time; a socket of the same pid with another key
        // was left by an earlier process (the agent logs it at debug, not as a live process it cannot profile).
        if (!OperatingSystem.IsLinux()) return;
        var pid = Environment.ProcessId;
        var start = TargetRegistry.ProcessStartTime(pid);
        Assert.True(start > 0);
        Assert.True(DiagnosticsDirectoryWatcher.HasSocket(pid, start), $"no dotnet-diagnostic-{pid}-{start}-socket in {DiagnosticsDirectoryWatcher.Directory}");
        Assert.False(DiagnosticsDirectoryWatcher.HasSocket(pid, start + 1));
        Assert.False(DiagnosticsDirectoryWatcher.HasSocket(pid + 1_000_000, start));
    }
}
