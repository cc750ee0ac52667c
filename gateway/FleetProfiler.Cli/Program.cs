using FleetProfiler.Cli;

// The process shell: the real console and Ctrl+C. Everything else is FleetProfilerTool, which tests call in-process.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C cancels the call in flight; a second one ends the process the usual way.
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    cancel.Cancel();
};
return await FleetProfilerTool.RunAsync(args, ToolConsole.System(), cancel.Token);
