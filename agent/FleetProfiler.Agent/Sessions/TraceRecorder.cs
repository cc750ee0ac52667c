using Microsoft.Diagnostics.NETCore.Client;

namespace FleetProfiler.Agent.Sessions;

/// <summary>A window's raw events on disk, with the wall-clock bounds of the window.</summary>
/// <param name="Modules">The target's mappings at the end of the window, to name modules of unresolved addresses.</param>
public sealed record RecordedTrace(string Path, DateTime StartUtc, DateTime EndUtc, bool TargetExited, long Bytes, ModuleMap Modules);

/// <summary>
/// Runs one EventPipe session for a window and streams it to a .nettrace file. Stopping the session makes the
/// runtime send its rundown (method and module names) before it closes the stream, so the file is complete
/// only when the stream ends.
/// </summary>
public static class TraceRecorder
{
    /// <param name="endEarly">Ends the window before <paramref name="duration"/>, keeping what was collected (a stop trigger).</param>
    /// <param name="ct">Aborts: the session is stopped and <see cref="OperationCanceledException"/> thrown.</param>
    public static async Task<RecordedTrace> RecordAsync(
        int processId, SessionPlan plan, TimeSpan duration, string path, AgentOptions options, ILogger logger, CancellationToken ct,
        CancellationToken endEarly = default)
    {
        using var buffer = TargetBuffers.Reserve(processId, options.CircularBufferMB, "window");
        var client = new DiagnosticsClient(processId);
        EventPipeSession session;
        try
        {
            session = await client.StartEventPipeSessionAsync(plan.Providers, requestRundown: true, options.CircularBufferMB, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw ProcessDiscovery.Unavailable(processId, e);
        }

        var startUtc = DateTime.UtcNow;
        using (session)
        {
            await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
            // Not cancelled by ct: after a stop request we still want the rundown, and the stream ends by itself.
            var copy = session.EventStream.CopyToAsync(file, CancellationToken.None);

            var endedEarly = false;
            // Read at both ends: a target that dies mid-window leaves only the first.
            var modules = ModuleMap.Read(processId);
            try
            {
                using var windowEnd = CancellationTokenSource.CreateLinkedTokenSource(ct, endEarly);
                endedEarly = await Task.WhenAny(copy, Task.Delay(duration, windowEnd.Token)) == copy;
            }
            finally
            {
                modules = ModuleMap.Combine(ModuleMap.Read(processId), modules);
                await StopAsync(session, copy, processId, options, logger);
            }

            var endUtc = DateTime.UtcNow;
            ct.ThrowIfCancellationRequested();

            var exited = endedEarly && await HasExitedAsync(processId);
            if (endedEarly && !exited)
            {
                logger.LogWarning("EventPipe session of process {Pid} ended after {Seconds:F1} s without a stop request", processId, (endUtc - startUtc).TotalSeconds);
            }
            await file.FlushAsync(CancellationToken.None);
            return new RecordedTrace(path, startUtc, endUtc, exited, file.Length, modules);
        }
    }

    /// <summary>The stream can end a moment before the process is gone: look a few times.</summary>
    private static async Task<bool> HasExitedAsync(int processId)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            if (!ProcessDiscovery.ProcessExists(processId))
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }

    private static async Task StopAsync(EventPipeSession session, Task copy, int processId, AgentOptions options, ILogger logger)
    {
        var timeout = TimeSpan.FromSeconds(options.StopTimeoutSeconds);
        if (!copy.IsCompleted)
        {
            using var stopTimeout = new CancellationTokenSource(timeout);
            try
            {
                await session.StopAsync(stopTimeout.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Usually the target exited between the check and the stop; the copy below tells.
                logger.LogDebug("Stopping the session of process {Pid} failed: {Message}", processId, e.Message);
            }
        }

        try
        {
            await copy.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Process {Pid} did not finish its rundown within {Timeout} s; method names may be missing", processId, timeout.TotalSeconds);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            logger.LogDebug("Event stream of process {Pid} broke: {Message}", processId, e.Message);
        }
    }
}
