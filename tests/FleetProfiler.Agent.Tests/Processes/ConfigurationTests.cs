namespace FleetProfiler.Agent.Tests.Processes;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData(new[] { "--Agent:AgentId=a1" }, "Agent:Token is required")]
    [InlineData(new[] { "--Agent:AgentId=a1", "--Agent:Token=0123456789abcdef", "--Agent:GatewayUrl=localhost:5150" }, "Agent:GatewayUrl must be an absolute http:// or https:// URL")]
    [InlineData(new[] { "--Agent:AgentId=a1", "--Agent:Token=0123456789abcdef", "--Agent:Schedules:0:Kind=gcdump" }, "Agent:Schedules:0:Kind 'gcdump'")]
    [InlineData(new[] { "--Agent:AgentId=a1", "--Agent:Token=0123456789abcdef", "--Agent:SignalOffset=40" }, "Agent:SignalOffset must keep SIGRTMIN+N+1 within")]
    [InlineData(new[] { "--Agent:AgentId=a1", "--Agent:Token=0123456789abcdef", "--Agent:HostSampling=1.5" }, "Agent:HostSampling must be in (0, 1]")]
    [InlineData(new[] { "--Agent:AgentId=a1", "--Agent:Token=0123456789abcdef", "--Agent:GatewayUrl=http://10.20.30.40:5150" }, "is plaintext to a host that is not loopback")]
    public async Task The_daemon_refuses_a_bad_setting_with_one_line_naming_it(string[] args, string expected)
    {
        using var dir = new TempDirectory("agent-config");
        await using var agent = ChildProcess.StartDotnet("agent", Repo.AgentDll, [.. args, "--Agent:SpoolDirectory=" + dir.Combine("unused-spool")]);

        Assert.Equal(ExitCodes.Usage, await agent.WaitForExitAsync());

        var line = Assert.Single(agent.StderrLines);
        Assert.StartsWith("fleetprofiler-agent: invalid configuration:", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public async Task Settings_come_from_the_environment_with_the_FLEETPROFILER_prefix()
    {
        await using var agent = ChildProcess.StartDotnet("agent", Repo.AgentDll, ["--Agent:AgentId=a1"],
            new Dictionary<string, string> { ["FLEETPROFILER_Agent__Token"] = "short" });

        Assert.Equal(ExitCodes.Usage, await agent.WaitForExitAsync());
        Assert.Contains("Agent:Token is required and must have at least 16 characters", Assert.Single(agent.StderrLines));
    }
}
