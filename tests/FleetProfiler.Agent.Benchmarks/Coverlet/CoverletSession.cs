using System.Reflection;

namespace FleetProfiler.Agent.Benchmarks.Coverlet;

/// <summary>
/// coverlet line instrumentation of a copy of a service's build output, run by coverlet.msbuild's own tasks
/// (coverlet-session.proj beside this file): <see cref="StartAsync"/> returns once the modules are instrumented; the
/// caller runs the service from <see cref="Directory"/>, stops it gracefully (coverlet writes its hits at process
/// exit), then <see cref="ReportAsync"/> lets coverlet write its Cobertura report.
/// </summary>
public sealed class CoverletSession : IAsyncDisposable
{
    private readonly ChildProcess _msbuild;
    private readonly string _doneFile;

    private CoverletSession(ChildProcess msbuild, string directory, string doneFile, string report)
    {
        _msbuild = msbuild;
        Directory = directory;
        _doneFile = doneFile;
        Report = report;
    }

    /// <summary>The instrumented copy of the build output.</summary>
    public string Directory { get; }

    /// <summary>Where coverlet writes the Cobertura report.</summary>
    public string Report { get; }

    /// <summary>coverlet.msbuild.tasks.dll of the pinned coverlet.msbuild package (its path is recorded at build time).</summary>
    public static string TasksPath { get; } =
        typeof(CoverletSession).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CoverletMsbuildTasks").Value
        ?? throw new InvalidOperationException("the benchmarks were built without coverlet.msbuild");

    /// <param name="buildOutput">The service's build output directory (copied, never instrumented in place).</param>
    /// <param name="mainDll">The service's entry assembly file name.</param>
    /// <param name="include">coverlet's module filter, e.g. <c>[FleetProfiler.DeadCode*]*</c>.</param>
    /// <param name="singleHit">coverlet's SingleHit: a line records only its first hit (cheaper), not a count.</param>
    public static async Task<CoverletSession> StartAsync(string buildOutput, string mainDll, string include, bool singleHit, string workDirectory)
    {
        var directory = Path.Combine(workDirectory, singleHit ? "coverlet-singlehit" : "coverlet-default");
        CopyDirectory(buildOutput, directory);
        var ready = Path.Combine(workDirectory, $"{Path.GetFileName(directory)}.ready");
        var done = Path.Combine(workDirectory, $"{Path.GetFileName(directory)}.done");
        var report = Path.Combine(workDirectory, $"{Path.GetFileName(directory)}.cobertura.xml");
        var msbuild = ChildProcess.Start($"coverlet {(singleHit ? "SingleHit" : "default")}", Repo.DotnetHost,
        [
            "msbuild", Repo.File("tests", "FleetProfiler.Agent.Benchmarks", "Coverlet", "coverlet-session.proj"), "-t:Session", "-nologo", "-nodeReuse:false",
            $"-p:CoverletTasks={TasksPath}", $"-p:ModulePath={Path.Combine(directory, mainDll)}", $"-p:Include={include}",
            $"-p:SingleHit={(singleHit ? "true" : "false")}", $"-p:ReadyFile={ready}", $"-p:DoneFile={done}", $"-p:Report={report}",
        ]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(ready))
        {
            if (msbuild.HasExited || clock.Elapsed > TimeSpan.FromMinutes(3))
            {
                await msbuild.DisposeAsync();
                throw new InvalidOperationException($"coverlet did not instrument {directory}: {msbuild.StderrTail()}\n{string.Join('\n', msbuild.StdoutLines.TakeLast(8))}");
            }
            await Task.Delay(100);
        }
        return new CoverletSession(msbuild, directory, done, report);
    }

    /// <summary>After the service exited: coverlet reads the hits and writes <see cref="Report"/>; its summary table lines.</summary>
    public async Task<IReadOnlyList<string>> ReportAsync()
    {
        await File.WriteAllTextAsync(_doneFile, "");
        var exit = await _msbuild.WaitForExitAsync(TimeSpan.FromMinutes(3));
        if (exit != 0 || !File.Exists(Report))
        {
            throw new InvalidOperationException($"coverlet's report failed (exit {exit}): {string.Join('\n', _msbuild.StdoutLines.TakeLast(10))}");
        }
        return _msbuild.StdoutLines.Where(l => l.StartsWith('|')).ToList();
    }

    private static void CopyDirectory(string from, string to)
    {
        System.IO.Directory.CreateDirectory(to);
        foreach (var file in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!File.Exists(_doneFile))
        {
            await File.WriteAllTextAsync(_doneFile, "");
        }
        await _msbuild.DisposeAsync();
    }
}
