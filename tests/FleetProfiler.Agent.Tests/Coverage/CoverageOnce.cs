namespace FleetProfiler.Agent.Tests.Coverage;

/// <summary>The real agent's one-shot coverage run (<c>--once --kind coverage</c>), with the repository root as source prefix.</summary>
internal static class CoverageOnce
{
    public static async Task<CoverageRunView> RunAsync(int pid)
    {
        var (exitCode, agent) = await AgentDaemon.RunOnceAsync(pid, "coverage", 1, extra: [$"--Agent:SourcePathPrefixes:*:0={Repo.Root}"]);
        await using (agent)
        {
            Assert.True(exitCode == ExitCodes.Ok, $"agent exited {exitCode}:\n{agent.Output}");
            return CoverageRunView.FromJson(Assert.Single(agent.StdoutLines, l => l.StartsWith('{')));
        }
    }
}
