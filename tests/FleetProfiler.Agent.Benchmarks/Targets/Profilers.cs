using System.Globalization;
using FleetProfiler.Agent.Benchmarks.Infrastructure;

namespace FleetProfiler.Agent.Benchmarks.Targets;

/// <summary>The agent in one-shot mode: one window, folded stacks on stdout (discarded), logs on stderr.</summary>
public static class AgentWindow
{
    /// <param name="agentDll">Another build of the agent (a baseline, or a Native AOT executable); null: this repository's Release build.</param>
    public static ChildProcess Start(int pid, string kind, int seconds, string? agentDll = null, IReadOnlyDictionary<string, string>? environment = null) =>
        ChildProcess.StartProgram($"agent ({kind})", agentDll ?? Repo.AgentDll,
            ["--once", "--pid", pid.ToString(CultureInfo.InvariantCulture), "--kind", kind, "--seconds", seconds.ToString(CultureInfo.InvariantCulture)],
            environment);
}

/// <summary>
/// <c>dotnet-trace collect</c> with the providers of the agent's cpu window
/// (agent/FleetProfiler.Agent/Sessions/SessionPlan.cs: SampleProfiler at Informational; the runtime provider at Verbose
/// with Loader 0x8 | Jit 0x10 | JittedMethodILToNativeMap 0x20000; rundown at the end) and the agent's buffer size (32 MB).
/// </summary>
public static class DotnetTrace
{
    public const string Version = "10.0.750501";

    public const string CpuWindowProviders =
        "Microsoft-DotNETCore-SampleProfiler:0:4,Microsoft-Windows-DotNETRuntime:0x20018:5";

    public const int BufferSizeMB = 32;

    /// <summary>Installs dotnet-trace (a pinned version) into a tool path under the temp directory once; returns the executable.</summary>
    public static async Task<string> EnsureInstalledAsync(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath) ? explicitPath : throw new InvalidOperationException($"--dotnet-trace {explicitPath}: no such file");
        }
        var toolPath = Path.Combine(Path.GetTempPath(), "fleetprofiler-agent-benchmarks", $"dotnet-trace-{Version}");
        var executable = Path.Combine(toolPath, "dotnet-trace");
        if (File.Exists(executable))
        {
            return executable;
        }
        Log.Info($"installing dotnet-trace {Version} into {toolPath}");
        await using var install = ChildProcess.Start("dotnet tool install", Repo.DotnetHost,
            ["tool", "install", "--tool-path", toolPath, "dotnet-trace", "--version", Version]);
        var exit = await install.WaitForExitAsync(TimeSpan.FromMinutes(3));
        if (exit != 0 || !File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"could not install dotnet-trace {Version} (`dotnet tool install --tool-path {toolPath} dotnet-trace --version {Version}` exited {exit}): " +
                string.Join(" ", install.StdoutLines.Concat(install.StderrLines).TakeLast(6)) +
                "; install it yourself and pass --dotnet-trace <path>");
        }
        return executable;
    }

    public static ChildProcess Start(string executable, int pid, int seconds, string outputPath) =>
        ChildProcess.Start("dotnet-trace", executable,
            ["collect", "--process-id", pid.ToString(CultureInfo.InvariantCulture),
             "--providers", CpuWindowProviders,
             "--buffersize", BufferSizeMB.ToString(CultureInfo.InvariantCulture),
             "--duration", TimeSpan.FromSeconds(seconds).ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture),
             "--output", outputPath]);
}
