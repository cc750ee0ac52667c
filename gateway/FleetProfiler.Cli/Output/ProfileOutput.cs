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
                // JSON ends without a newline; on a terminal the prompt would follow it on the same line.
                if (!isBinary && console.IsOutputTerminal && !data.Span.EndsWith("\n"u8)) stdout.WriteByte((byte)'\n');
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

        // Written in place (FILE may be a device or a pipe, e.g. /dev/stdout); a new file that could not be
        // completed is removed, so a failed or cancelled export leaves no half file behind.
        var existed = File.Exists(file);
        try
        {
            await using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            await stream.WriteAsync(data, cancellation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            if (!existed)
                try { File.Delete(file); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            if (e is OperationCanceledException) throw;
            throw new CommandFailedException(ExitCodes.Failed, $"cannot write '{file}': {e.Message}");
        }
        await console.Error.WriteLineAsync($"wrote {data.Length} bytes to {file} ({summary})");
    }
}
