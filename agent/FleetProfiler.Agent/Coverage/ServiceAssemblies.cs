using System.Text.Json;

namespace FleetProfiler.Agent.Coverage;

/// <summary>One of the service's own assemblies: its path as the target sees it and where the agent reads it.</summary>
public sealed record ServiceAssembly(string Name, string TargetPath, string LocalPath);

/// <summary>
/// The service's own assemblies: those in the directory of the process's app (the <c>app.dll</c> of
/// <c>dotnet app.dll</c>, else the executable's directory) that are not framework or package assemblies. With an
/// <c>app.deps.json</c> (every SDK build writes one) these are the runtime files of its <c>"type": "project"</c>
/// libraries; without one, every <c>*.dll</c> there except <c>System.*</c>, <c>Microsoft.*</c>, <c>netstandard</c>
/// and <c>mscorlib</c>. Files are read through <c>/proc/PID/root</c>, so targets in containers work too.
/// </summary>
public static class ServiceAssemblies
{
    private static readonly string[] FrameworkPrefixes = ["System.", "Microsoft.", "netstandard.", "mscorlib.", "WindowsBase."];

    /// <summary>The app directory (as the target sees it) and the service's assemblies, at most <paramref name="max"/>, by name.</summary>
    /// <exception cref="TargetUnavailableException">The app cannot be found (process gone, /proc unreadable).</exception>
    public static (string AppDirectory, IReadOnlyList<ServiceAssembly> Assemblies, int Omitted) Find(int processId, int max)
    {
        var entry = EntryAssembly(processId);
        var appDirectory = Path.GetDirectoryName(entry)!;
        var deps = Path.ChangeExtension(entry, ".deps.json");
        var names = File.Exists(Local(processId, deps))
            ? ProjectFiles(File.ReadAllBytes(Local(processId, deps)))
            : Directory.EnumerateFiles(Local(processId, appDirectory), "*.dll")
                .Select(Path.GetFileName)
                .Where(n => !FrameworkPrefixes.Any(p => n!.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                .Select(n => n!)
                .ToList();

        var assemblies = names
            .Select(n => Path.Combine(appDirectory, n))
            .Where(p => File.Exists(Local(processId, p)))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(p => new ServiceAssembly(Path.GetFileNameWithoutExtension(p), p, Local(processId, p)))
            .ToList();
        return (appDirectory, assemblies.Take(max).ToList(), Math.Max(0, assemblies.Count - max));
    }

    /// <summary>A path of the target's file system, readable from the agent's: through <c>/proc/PID/root</c> when that works.</summary>
    public static string Local(int processId, string targetPath)
    {
        var viaRoot = $"/proc/{processId}/root{targetPath}";
        try
        {
            return Path.Exists(viaRoot) ? viaRoot : targetPath;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return targetPath;
        }
    }

    /// <summary>The app's main assembly, as the target sees it: the first <c>.dll</c> argument of a <c>dotnet</c> host, else the executable's <c>.dll</c>.</summary>
    internal static string EntryAssembly(int processId)
    {
        try
        {
            var exe = new FileInfo($"/proc/{processId}/exe").LinkTarget
                ?? throw new TargetUnavailableException(processId, $"cannot read /proc/{processId}/exe");
            var args = File.ReadAllText($"/proc/{processId}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            var app = Path.GetFileName(exe) == "dotnet"
                ? args.Skip(1).FirstOrDefault(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                : Path.ChangeExtension(exe, ".dll");
            if (app is null)
            {
                throw new TargetUnavailableException(processId, $"process {processId} runs dotnet without an app .dll argument: no service assemblies to cover");
            }
            if (!Path.IsPathRooted(app))
            {
                var cwd = new DirectoryInfo($"/proc/{processId}/cwd").LinkTarget
                    ?? throw new TargetUnavailableException(processId, $"cannot read /proc/{processId}/cwd");
                app = Path.GetFullPath(Path.Combine(cwd, app));
            }
            return app;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TargetUnavailableException(processId, $"cannot find the app of process {processId}: {e.Message}", e);
        }
    }

    /// <summary>Runtime files (relative to the app directory) of the deps.json's project libraries.</summary>
    internal static IReadOnlyList<string> ProjectFiles(byte[] depsJson)
    {
        using var doc = JsonDocument.Parse(depsJson);
        var root = doc.RootElement;
        if (!root.TryGetProperty("libraries", out var libraries) || !root.TryGetProperty("targets", out var targets))
        {
            return [];
        }
        var projects = libraries.EnumerateObject()
            .Where(l => l.Value.TryGetProperty("type", out var type) && type.GetString() == "project")
            .Select(l => l.Name)
            .ToHashSet(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (var target in targets.EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject().Where(l => projects.Contains(l.Name)))
            {
                if (library.Value.TryGetProperty("runtime", out var runtime))
                {
                    files.AddRange(runtime.EnumerateObject().Select(f => f.Name).Where(f => f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)));
                }
            }
        }
        return files.Distinct(StringComparer.Ordinal).ToList();
    }
}
