namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>The agent as a dotnet tool: packed from the build the tests use, installed into a tool path, run.</summary>
[Collection(DemoCollection.Name)]
public sealed class PackagingTests(DemoFixture demo) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Pack_and_tool_install_give_a_working_fleetprofiler_agent_command()
    {
        var packages = _dir.Combine("packages");
        var tools = _dir.Combine("tools");
        await using var pack = ChildProcess.Start("dotnet pack", "dotnet",
            ["pack", Path.Combine(Repo.Root, "agent", "FleetProfiler.Agent", "FleetProfiler.Agent.csproj"), "-c", Repo.Configuration, "--no-build", "-o", packages]);
        Assert.True(await pack.WaitForExitAsync(TestTimeouts.DotnetTool) == 0, pack.Output);
        await using var install = ChildProcess.Start("dotnet tool install", "dotnet",
            ["tool", "install", "--tool-path", tools, "--add-source", packages, "FleetProfiler.Agent"]);
        Assert.True(await install.WaitForExitAsync(TestTimeouts.DotnetTool) == 0, install.Output);

        await using var tool = ChildProcess.Start("fleetprofiler-agent", Path.Combine(tools, "fleetprofiler-agent"),
            ["--once", "--pid", demo.Pid.ToString(), "--kind", "cpu", "--seconds", "1"]);

        Assert.True(await tool.WaitForExitAsync(TestTimeouts.ProcessExit) == 0, tool.Output);
        Assert.Contains(tool.StdoutLines, l => l.Contains("FleetProfiler.Demo!"));
    }
}
