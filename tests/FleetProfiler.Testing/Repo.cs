namespace FleetProfiler.Testing;

/// <summary>Paths in the repository and the build outputs that tests and benchmarks run as real processes.</summary>
public static class Repo
{
    /// <summary>The first directory above this binary (or the current directory) holding FleetProfiler.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration the running test or benchmark was built in, used for the other projects too.</summary>
    public static string Configuration { get; } = FindConfiguration();

    /// <summary>The <c>dotnet</c> host running this process, so children use the same runtime.</summary>
    public static string DotnetHost { get; } = FindDotnetHost();

    public static string OutputDirectory(string folder, string project) =>
        Path.Combine(Root, folder, project, "bin", Configuration, "net10.0");

    public static string Output(string folder, string project) => Path.Combine(OutputDirectory(folder, project), project + ".dll");

    public static string AgentDll => Output("agent", "FleetProfiler.Agent");

    public static string DemoDirectory => OutputDirectory(Path.Combine("deploy", "demo"), "FleetProfiler.Demo");

    public static string DemoDll => Output(Path.Combine("deploy", "demo"), "FleetProfiler.Demo");

    /// <summary>The small ASP.NET Core target of request-metrics tests (tests/FleetProfiler.TestService).</summary>
    public static string TestServiceDll => Output("tests", "FleetProfiler.TestService");

    /// <summary>The target of the inuse tests: known retention, churn and leaks (tests/FleetProfiler.MemoryTarget).</summary>
    public static string MemoryTargetDll => Output("tests", "FleetProfiler.MemoryTarget");

    public static string SiloDll => Output("silo", "FleetProfiler.Silo");

    /// <summary>The stand-alone gateway of cluster mode (an Orleans client of the silos).</summary>
    public static string GatewayDll => Output("gateway", "FleetProfiler.Gateway");

    /// <summary>The sample budget report job, an Orleans client with only FleetProfiler.Abstractions (deploy/samples).</summary>
    public static string BudgetReportDll => Output(Path.Combine("deploy", "samples"), "FleetProfiler.BudgetReport");

    /// <summary>A file of the repository, by its path from the root.</summary>
    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary><paramref name="dll"/>, or a clear error saying what to build.</summary>
    public static string RequireBuilt(string dll) =>
        System.IO.File.Exists(dll)
            ? dll
            : throw new InvalidOperationException($"{dll} is missing: build it ({Configuration}); the test and benchmark projects reference it so that building them builds it");

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (System.IO.File.Exists(Path.Combine(dir.FullName, "FleetProfiler.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("FleetProfiler.sln not found above " + AppContext.BaseDirectory + " or the current directory");
    }

    private static string FindConfiguration()
    {
        // .../<project>/bin/<Configuration>/net10.0/
        var parts = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar).Split(Path.DirectorySeparatorChar);
        var bin = Array.LastIndexOf(parts, "bin");
        return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Release";
    }

    private static string FindDotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && System.IO.File.Exists(hostPath))
        {
            return hostPath;
        }
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var runtimeDir = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        var candidate = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", "..", "dotnet"));
        return System.IO.File.Exists(candidate) ? candidate : "dotnet";
    }
}
