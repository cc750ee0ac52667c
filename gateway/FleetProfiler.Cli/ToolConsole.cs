namespace FleetProfiler.Cli;

/// <summary>
/// Where the tool reads and writes: the real console in the process, captured writers in tests.
/// Profile data goes to <see cref="OpenStandardOutput"/> as raw bytes when there is one, else (text formats only) to <see cref="Out"/>.
/// </summary>
public sealed class ToolConsole(TextWriter output, TextWriter error)
{
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;

    /// <summary>Binary formats refuse a terminal stdout.</summary>
    public bool IsOutputTerminal { get; init; }

    /// <summary>The progress spinner only draws on a terminal.</summary>
    public bool IsErrorTerminal { get; init; }

    public Func<Stream>? OpenStandardOutput { get; init; }

    /// <summary>Environment lookup; captured consoles see none, so a developer's FLEETPROFILER_GATEWAY does not leak into tests.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = _ => null;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public static ToolConsole System() => new(Console.Out, Console.Error)
    {
        IsOutputTerminal = !Console.IsOutputRedirected,
        IsErrorTerminal = !Console.IsErrorRedirected,
        OpenStandardOutput = Console.OpenStandardOutput,
        GetEnvironmentVariable = Environment.GetEnvironmentVariable,
    };
}
