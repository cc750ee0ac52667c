namespace FleetProfiler.Cli.Tests.Infrastructure;

/// <summary>Paths in the repository and the build outputs the end-to-end tests run as real processes.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration this test assembly was built in, used for the silo too.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Contains("Release") ? "Release" : "Debug";

    public static string SiloDll => Path.Combine(Root, "silo", "FleetProfiler.Silo", "bin", Configuration, "net10.0", "FleetProfiler.Silo.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FleetProfiler.sln"))) return dir.FullName;
        throw new InvalidOperationException("FleetProfiler.sln not found above " + AppContext.BaseDirectory);
    }
}
