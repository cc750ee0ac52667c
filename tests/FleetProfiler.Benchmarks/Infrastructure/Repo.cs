namespace FleetProfiler.Benchmarks.Infrastructure;

public static class Repo
{
    /// <summary>The repository root: the first directory above this binary holding FleetProfiler.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug, as this benchmark binary was built (the silo is built alongside it).</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Release";

    public static string SiloDll => Environment.GetEnvironmentVariable("FLEETPROFILER_BENCH_SILO_DLL")
        ?? Path.Combine(Root, "silo", "FleetProfiler.Silo", "bin", Configuration, "net10.0", "FleetProfiler.Silo.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FleetProfiler.sln"))) return dir.FullName;
        throw new InvalidOperationException("FleetProfiler.sln not found above " + AppContext.BaseDirectory);
    }
}
