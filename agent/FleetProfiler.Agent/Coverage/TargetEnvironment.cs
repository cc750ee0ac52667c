using Microsoft.Diagnostics.NETCore.Client;

namespace FleetProfiler.Agent.Coverage;

/// <summary>
/// The target's environment as the runtime saw it at start: <c>/proc/PID/environ</c> (the JIT reads its settings once,
/// at start-up, so later changes inside the process do not matter). When that file is unreadable (another user's
/// process without CAP_SYS_PTRACE), the diagnostics socket's copy; when both fail, <see cref="JitSettings.Unknown"/>.
/// </summary>
public static class TargetEnvironment
{
    public static JitSettings ReadJitSettings(int processId)
    {
        string procFailure;
        try
        {
            var text = File.ReadAllText($"/proc/{processId}/environ");
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in text.Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = entry.IndexOf('=');
                if (equals > 0)
                {
                    environment[entry[..equals]] = entry[(equals + 1)..];
                }
            }
            return JitSettings.From(environment);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            procFailure = e.Message;
        }

        try
        {
            return JitSettings.From(new DiagnosticsClient(processId).GetProcessEnvironment());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return JitSettings.Unknown($"the target's environment is unreadable (/proc/{processId}/environ: {procFailure}; diagnostics socket: {e.Message}), so JIT inlining overrides are unknown");
        }
    }
}
