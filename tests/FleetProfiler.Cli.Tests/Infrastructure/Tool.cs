namespace FleetProfiler.Cli.Tests.Infrastructure;

/// <summary>The tool run in-process with captured stdout and stderr.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

public static class Tool
{
    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        // The kit's operator key unless the test sets its own (or an empty one: none).
        var env = new Dictionary<string, string> { ["FLEETPROFILER_KEY"] = TestKeys.Operator };
        foreach (var (name, value) in environment)
        {
            env[name] = value;
        }
        var console = new ToolConsole(output, error) { GetEnvironmentVariable = name => env.GetValueOrDefault(name) };
        var code = await FleetProfilerTool.RunAsync(args, console);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}
