namespace FleetProfiler.Web.Tests.Infrastructure;

/// <summary>
/// Where page screenshots go: <c>FLEETPROFILER_SCREENSHOTS</c>, else <c>tests/FleetProfiler.Web.Tests/TestResults/screenshots</c>
/// (ignored by git; CI keeps it as an artifact).
/// </summary>
public static class Screenshots
{
    public static string Directory { get; } = Create();

    private static string Create()
    {
        var dir = Environment.GetEnvironmentVariable("FLEETPROFILER_SCREENSHOTS") is { Length: > 0 } configured
            ? configured
            : Repo.File("tests", "FleetProfiler.Web.Tests", "TestResults", "screenshots");
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }

    public static string PathFor(string name) =>
        Path.Combine(Directory, string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')) + ".png");
}
