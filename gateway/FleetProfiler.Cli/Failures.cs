namespace FleetProfiler.Cli;

/// <summary>The command line is wrong; exit code 1 with the message and a pointer to --help.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A failure that is not the gateway's answer (e.g. an output file that cannot be written).</summary>
public sealed class CommandFailedException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
