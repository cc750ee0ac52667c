namespace FleetProfiler.Agent.Benchmarks.Infrastructure;

/// <summary>Paths of the programs under test, relative to the repository root (the directory holding FleetProfiler.sln).</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    /// <summary>The benchmark's own build configuration (Release under <c>dotnet run -c Release</c>); the agent and demo are built with it.</summary>
    public static readonly string Configuration = FindConfiguration();

    public static string AgentDll => Output("agent/FleetProfiler.Agent", "FleetProfiler.Agent.dll");

    public static string DemoDll => Output("deploy/demo/FleetProfiler.Demo", "FleetProfiler.Demo.dll");

    /// <summary>The <c>dotnet</c> host that runs this process (so the children use the same runtime).</summary>
    public static string DotnetHost { get; } = FindDotnetHost();

    private static string Output(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"{path} is missing: run the benchmark with `dotnet run -c {Configuration} --project tests/FleetProfiler.Agent.Benchmarks` (it builds the agent and the demo)");
        }
        return path;
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FleetProfiler.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("FleetProfiler.sln not found above the benchmark's directory or the current directory");
    }

    private static string FindConfiguration()
    {
        // .../tests/FleetProfiler.Agent.Benchmarks/bin/<Configuration>/net10.0/
        var parts = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar).Split(Path.DirectorySeparatorChar);
        var bin = Array.LastIndexOf(parts, "bin");
        return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Release";
    }

    private static string FindDotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var runtimeDir = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        var candidate = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", "..", "dotnet"));
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}
