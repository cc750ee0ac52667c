using System.Net.Sockets;
using Microsoft.Diagnostics.NETCore.Client;

namespace FleetProfiler.Agent.Discovery;

/// <summary>Finds the .NET processes on this host that the rules select, and describes one process.</summary>
public sealed class ProcessDiscovery(IOptions<AgentOptions> options, ILogger<ProcessDiscovery> logger)
{
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";

    /// <summary>Published .NET processes matching the include/exclude rules, without the agent itself.</summary>
    public IReadOnlyList<TargetProcess> Discover()
    {
        var filter = new ServiceFilter(options.Value.Include, options.Value.Exclude);
        var targets = new List<TargetProcess>();
        foreach (var pid in DiagnosticsDirectoryWatcher.PublishedProcesses().Distinct().Order())
        {
            if (pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var target = Describe(pid);
                if (filter.Matches(target.ServiceName))
                {
                    targets.Add(target);
                }
                else
                {
                    logger.LogDebug("Skipping pid {Pid} ({Service}): excluded by rules", pid, target.ServiceName);
                }
            }
            catch (TargetUnavailableException e)
            {
                // Stale sockets of dead processes are common in /tmp: not worth more than debug.
                logger.LogDebug("Skipping pid {Pid}: {Reason}", pid, e.Message);
            }
        }
        return targets;
    }

    /// <summary>Service name and runtime of one process; throws <see cref="TargetUnavailableException"/> with a one-line reason.</summary>
    /// <param name="wanted">When given and false for the service name, the runtime version is not probed (the caller drops the process).</param>
    public TargetProcess Describe(int processId, Func<string, bool>? wanted = null)
    {
        var processName = ReadProcessName(processId)
            ?? throw new TargetUnavailableException(processId, $"process {processId} not found");

        Dictionary<string, string> environment;
        try
        {
            environment = new DiagnosticsClient(processId).GetProcessEnvironment();
        }
        catch (Exception e)
        {
            throw Unavailable(processId, e);
        }

        var serviceName = environment.TryGetValue(ServiceNameVariable, out var otelName) && !string.IsNullOrWhiteSpace(otelName)
            ? otelName
            : processName;
        // The probes read /proc/PID/maps and the app's main DLL: not worth it for a process the rules exclude.
        var isWanted = wanted is null || wanted(serviceName);
        return new TargetProcess(processId, serviceName, processName, isWanted ? RuntimeVersionProbe.TryRead(processId) : null)
        {
            ServiceVersion = isWanted ? ServiceVersionReader.TryRead(processId, environment, logger) : null,
        };
    }

    /// <summary>The failure was a permission check on the diagnostics socket (it stays so until the target restarts).</summary>
    internal static bool IsAccessDenied(Exception? e) =>
        e is UnauthorizedAccessException or ServerNotAvailableException { InnerException: SocketException { SocketErrorCode: SocketError.AccessDenied } };

    /// <summary>Maps the diagnostics client's failures to one clear line.</summary>
    internal static TargetUnavailableException Unavailable(int processId, Exception e) => e switch
    {
        TargetUnavailableException t => t,
        _ when IsAccessDenied(e)
            => new(processId, $"diagnostics socket of process {processId} is not accessible (run the agent as the same user as the target, or as root)", e),
        ServerNotAvailableException when !ProcessExists(processId) => new(processId, $"process {processId} not found", e),
        ServerNotAvailableException => new(processId,
            $"process {processId} has no diagnostics socket: not a .NET process, started with DOTNET_EnableDiagnostics=0, or its TMPDIR is not visible to the agent", e),
        SocketException or IOException => new(processId,
            $"cannot talk to the diagnostics socket of process {processId}: {e.Message}", e),
        _ => new(processId, $"cannot profile process {processId}: {e.GetType().Name}: {e.Message}", e),
    };

    /// <summary>True while the process runs; a zombie (exited, not yet reaped) counts as gone.</summary>
    internal static bool ProcessExists(int processId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return ReadProcessName(processId) is not null;
        }
        try
        {
            // Field 3 of /proc/PID/stat is the state; the command name before it is in parentheses and may contain spaces.
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
            return state is not ('Z' or 'X' or 'x') && IsThreadGroupLeader(processId);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// False when <paramref name="id"/> is a thread of another process: a thread id has a /proc entry too (readable,
    /// though not listed), so a stale socket in /tmp whose pid is now some process's thread is not a live process.
    /// </summary>
    private static bool IsThreadGroupLeader(int id)
    {
        foreach (var line in File.ReadLines($"/proc/{id}/status"))
        {
            if (line.StartsWith("Tgid:", StringComparison.Ordinal))
            {
                return int.TryParse(line.AsSpan(5).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var tgid) && tgid == id;
            }
        }
        return true;
    }

    /// <summary>The process name; for <c>dotnet app.dll</c> hosts, the app dll's name instead of "dotnet".</summary>
    private static string? ReadProcessName(int processId)
    {
        string name;
        try
        {
            using var process = Process.GetProcessById(processId);
            name = process.ProcessName;
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        if (name == "dotnet" && OperatingSystem.IsLinux())
        {
            try
            {
                var args = File.ReadAllText($"/proc/{processId}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
                var app = args.Skip(1).FirstOrDefault(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
                if (app is not null)
                {
                    return Path.GetFileNameWithoutExtension(app);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Keep "dotnet".
            }
        }
        return name;
    }
}
