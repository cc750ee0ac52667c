namespace FleetProfiler.Cli.Output;

/// <summary>Where exported profile bytes go: a file (-o FILE) or stdout (no -o, or -o -).</summary>
public static class ProfileOutput
{
    /// <summary>Checks before the (possibly long) call that the output can be written where it was asked to go.</summary>
    public static void Check(ToolConsole console, string? file, string format, bool isBinary)
    {
        if (file is null or "-")
        {
            if (isBinary && console.IsOutputTerminal)
                throw new UsageException($"{format} is binary and stdout is a terminal: write it to a file with -o FILE, or redirect stdout");
            return;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(file));
        if (directory is not null && !Directory.Exists(directory))
            throw new UsageException($"-o: directory '{directory}' does not exist");
        if (Directory.Exists(file))
            throw new UsageException($"-o: '{file}' is a directory");
    }

    public static async Task WriteAsync(ToolConsole console, ReadOnlyMemory<byte> data, string? file, bool isBinary, string summary, CancellationToken cancellation)
    {
        if (file is null or "-")
        {
            if (console.OpenStandardOutput is { } open)
            {
                await console.Out.FlushAsync(cancellation);
                await using var stdout = open();
                await stdout.WriteAsync(data, cancellation);
                await stdout.FlushAsync(cancellation);
            }
            else if (!isBinary)
            {
                await console.Out.WriteAsync(System.Text.Encoding.UTF8.GetString(data.Span));
                await console.Out.FlushAsync(cancellation);
            }
            else
            {
                throw new CommandFailedException(ExitCodes.Failed, "this console cannot take binary output: use -o FILE");
            }
            return;
        }

        // Written beside the target and moved into place, so a failed or cancelled write leaves no half file.
        var full = Path.GetFullPath(file);
        var temp = full + ".partial";
        try
        {
            await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                await stream.WriteAsync(data, cancellation);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            try { File.Delete(temp); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            if (e is OperationCanceledException) throw;
            throw new CommandFailedException(ExitCodes.Failed, $"cannot write '{file}': {e.Message}");
        }
        await console.Error.WriteLineAsync($"wrote {data.Length} bytes to {file} ({summary})");
    }
}
