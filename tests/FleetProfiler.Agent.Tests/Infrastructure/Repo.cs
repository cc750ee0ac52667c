namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>Paths in the repository and the build outputs the tests run as real processes.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration this test assembly was built in, used for the other projects too.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Contains("Release") ? "Release" : "Debug";

    public static string OutputDirectory(string folder, string project) =>
        Path.Combine(Root, folder, project, "bin", Configuration, "net10.0");

    public static string Output(string folder, string project) => Path.Combine(OutputDirectory(folder, project), project + ".dll");

    public static string AgentDll => Output("agent", "FleetProfiler.Agent");

    public static string DemoDirectory => OutputDirectory(Path.Combine("deploy", "demo"), "FleetProfiler.Demo");

    public static string DemoDll => Output(Path.Combine("deploy", "demo"), "FleetProfiler.Demo");

    public static string SiloDll => Output("silo", "FleetProfiler.Silo");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FleetProfiler.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("FleetProfiler.sln not found above " + AppContext.BaseDirectory);
    }
}
