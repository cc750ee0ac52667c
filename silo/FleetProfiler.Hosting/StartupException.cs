using FleetProfiler.Protocol;

namespace FleetProfiler.Hosting;

/// <summary>
/// A start-up failure with one message that names the setting to fix (or the server that did not answer), and the
/// process exit code it ends with: <see cref="ExitCodes.Usage"/> for a bad setting, which a restart cannot fix.
/// </summary>
public sealed class StartupException(string message, int exitCode = ExitCodes.Usage, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
