using System.Diagnostics;

namespace FleetProfiler.Cli.Output;

/// <summary>A spinner with the elapsed time on stderr while a call runs, drawn only when stderr is a terminal.</summary>
public static class Progress
{
    private const string Frames = @"|/-\";

    public static async Task<T> WhileRunning<T>(ToolConsole console, string label, Task<T> call)
    {
        if (!console.IsErrorTerminal || call.IsCompleted) return await call;
        var started = Stopwatch.GetTimestamp();
        var width = 0;
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(120)))
        {
            for (var frame = 0; !call.IsCompleted; frame++)
            {
                var line = $"{Frames[frame % Frames.Length]} {label} {Stopwatch.GetElapsedTime(started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s";
                width = Math.Max(width, line.Length);
                console.Error.Write("\r" + line);
                await Task.WhenAny(call, timer.WaitForNextTickAsync().AsTask());
            }
        }
        console.Error.Write("\r" + new string(' ', width) + "\r");
        return await call;
    }
}
