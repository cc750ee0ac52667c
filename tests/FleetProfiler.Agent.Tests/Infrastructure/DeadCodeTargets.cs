using System.Net;

namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>A running dead-code target and the call sites it reports as executed (<c>file|line|member</c>, absolute build paths).</summary>
public sealed record DeadCodeProcess(ChildProcess Process, string Service, Uri? BaseAddress) : IAsyncDisposable
{
    public int Pid => Process.Pid;

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>
/// The coverage tests' targets: tests/FleetProfiler.DeadCodeService (web: /work runs the known live code, /executed lists
/// what ran) and tests/FleetProfiler.DeadCodeWorker (calls the other half of the shared library, prints what ran).
/// </summary>
public static class DeadCodeTargets
{
    public static string ServiceDirectory => Repo.OutputDirectory("tests", "FleetProfiler.DeadCodeService");

    public static string WorkerDll => Repo.Output("tests", "FleetProfiler.DeadCodeWorker");

    /// <summary>The repository-relative path of a test source file, as the agent reports it with the repository root as prefix.</summary>
    public static string RepoPath(params string[] parts) => string.Join('/', ["tests", .. parts]);

    private static int _count;

    /// <summary>Starts the web service (from <paramref name="directory"/>, default its build output) and requests /work.</summary>
    public static async Task<DeadCodeProcess> StartServiceAsync(IReadOnlyDictionary<string, string>? environment = null, string? directory = null)
    {
        var port = FreePorts.Take();
        var service = $"{DemoService.ServicePrefix}-deadcode{Interlocked.Increment(ref _count)}";
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["OTEL_SERVICE_NAME"] = service };
        var dll = Path.Combine(directory ?? ServiceDirectory, "FleetProfiler.DeadCodeService.dll");
        var process = ChildProcess.StartDotnet(service, dll, ["--urls", $"http://127.0.0.1:{port}"], env);
        var target = new DeadCodeProcess(process, service, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            using var client = new HttpClient { BaseAddress = target.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            await Eventually.Until(async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"the dead-code service exited with code {process.ExitCode}:\n{process.Output}");
                }
                try
                {
                    using var response = await client.GetAsync("/");
                    return response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return (HttpStatusCode?)null;
                }
            }, status => status == HttpStatusCode.OK, TestTimeouts.ProcessStart, "the dead-code service answering");
            // Enough calls for tier-1 code with inlining (30 calls, then a background re-JIT): soundness must hold then.
            for (var i = 0; i < 40; i++)
            {
                (await client.GetAsync("/work?rounds=2000")).EnsureSuccessStatusCode();
            }
            await Eventually.Until(() => DiagnosticsSockets.Of(process.Pid).Count > 0, TestTimeouts.Step, "the dead-code service's diagnostics socket");
            return target;
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the worker and waits until it has run its half of the shared code.</summary>
    public static async Task<DeadCodeProcess> StartWorkerAsync()
    {
        var service = $"{DemoService.ServicePrefix}-deadworker{Interlocked.Increment(ref _count)}";
        var process = ChildProcess.StartDotnet(service, WorkerDll, [], new Dictionary<string, string> { ["OTEL_SERVICE_NAME"] = service });
        await process.WaitForLineAsync("ready", TestTimeouts.ProcessStart);
        await Eventually.Until(() => DiagnosticsSockets.Of(process.Pid).Count > 0, TestTimeouts.Step, "the worker's diagnostics socket");
        return new DeadCodeProcess(process, service, null);
    }

    /// <summary>The call sites that ran in <paramref name="target"/>: (repository-relative file, line, member).</summary>
    public static async Task<IReadOnlyList<(string File, int Line, string Member)>> ExecutedAsync(DeadCodeProcess target)
    {
        IEnumerable<string> sites;
        if (target.BaseAddress is { } address)
        {
            using var client = new HttpClient { BaseAddress = address };
            sites = (await client.GetStringAsync("/executed")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        else
        {
            sites = target.Process.StdoutLines.Where(l => l.StartsWith("executed: ", StringComparison.Ordinal)).Select(l => l["executed: ".Length..]);
        }
        return sites.Select(s => s.Split('|')).Select(p => (Path.GetRelativePath(Repo.Root, p[0]).Replace('\\', '/'), int.Parse(p[1]), p[2])).ToList();
    }

    /// <summary>
    /// Source lines of the body of the method declared on the line containing <paramref name="declaration"/>: the
    /// non-blank lines between its braces (what the compiler gives sequence points in a Release build).
    /// </summary>
    public static IReadOnlyList<int> BodyLines(string repoPath, string declaration)
    {
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, repoPath));
        var start = Array.FindIndex(lines, l => l.Contains(declaration, StringComparison.Ordinal));
        Assert.True(start >= 0, $"'{declaration}' not found in {repoPath}");
        var indent = lines[start].Length - lines[start].TrimStart().Length;
        var open = Array.FindIndex(lines, start, l => l.Trim() == "{");
        var close = Array.FindIndex(lines, open + 1, l => l == new string(' ', indent) + "}");
        return Enumerable.Range(open + 1, close - open - 1).Where(i => lines[i].Trim().Length > 0).Select(i => i + 1).ToList();
    }
}
