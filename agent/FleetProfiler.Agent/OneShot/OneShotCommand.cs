using FleetProfiler.Agent.Coverage;
using FleetProfiler.Agent.HeapSnapshots;
using FleetProfiler.Profiles.Formats;

namespace FleetProfiler.Agent.OneShot;

/// <summary>Runs the one-shot mode: one window, folded stacks on stdout (sorted by value, biggest first), logs on stderr.</summary>
public sealed class OneShotCommand(
    WindowCollector collector,
    CoverageCollector coverage,
    HeapSnapshotCollector heapSnapshots,
    IOptions<OneShotOptions> oneShot,
    IOptions<AgentOptions> agent,
    ILogger<OneShotCommand> logger)
{
    public async Task<int> RunAsync(TextWriter output, CancellationToken ct)
    {
        var request = oneShot.Value;
        var problems = request.Check();
        if (problems.Count > 0)
        {
            Console.Error.WriteLine($"fleetprofiler-agent: {string.Join("; ", problems)}");
            Console.Error.WriteLine(Usage);
            return ExitCodes.Usage;
        }

        if (request.Kind == CoverageBatches.Kind)
        {
            return await CoverAsync(request.Pid, output, ct);
        }
        if (request.Kind == HeapSnapshotBatches.Kind)
        {
            return await SnapshotAsync(request.Pid, output, ct);
        }
        var kind = ProfileKindNames.Parse(request.Kind);
        var seconds = request.Seconds > 0 ? request.Seconds : agent.Value.DefaultSecondsFor(kind);
        ProfileWindow window;
        try
        {
            window = await collector.CollectAsync(request.Pid, kind, TimeSpan.FromSeconds(seconds), ct);
        }
        catch (TargetUnavailableException e)
        {
            Console.Error.WriteLine($"fleetprofiler-agent: {e.Message}");
            return ExitCodes.TargetUnavailable;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("fleetprofiler-agent: interrupted; the session was stopped");
            return ExitCodes.Interrupted;
        }

        // The gateway's folded writer, so --once and a folded export of the same process read the same; with file:line
        // and biggest first, for a person reading the head of it.
        if (request.ByEndpoint && window.Attribution is null)
        {
            Console.Error.WriteLine("fleetprofiler-agent: --by-endpoint needs attribution (Agent:Attribution:Enabled is false); stacks are printed without endpoints");
        }
        FoldedFormat.Write(window.ToCallTree(request.ByEndpoint), ProfileKindNames.Single(kind)!.Value, output,
            new FoldedOptions { SourceLocations = true, LargestFirst = true });
        await output.FlushAsync(CancellationToken.None);
        if (window.Diagnostics.LiveHeap is { } live)
        {
            // On stderr, so that stdout stays pure folded stacks.
            Console.Error.WriteLine($"fleetprofiler-agent: {live.Describe(window.EndUtc - window.StartUtc)}");
        }

        logger.LogInformation("Agent peak RSS {PeakMB:F1} MB (VmHWM), CPU {Cpu:F2} s for this window",
            AgentResources.PeakResidentBytes() / 1048576.0, window.Diagnostics.AgentCpuTime.TotalSeconds);
        return ExitCodes.Ok;
    }

    private async Task<int> CoverAsync(int pid, TextWriter output, CancellationToken ct)
    {
        CoverageResult result;
        try
        {
            result = await coverage.CollectAsync(pid, ct);
        }
        catch (TargetUnavailableException e)
        {
            Console.Error.WriteLine($"fleetprofiler-agent: {e.Message}");
            return ExitCodes.TargetUnavailable;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("fleetprofiler-agent: interrupted; the session was stopped");
            return ExitCodes.Interrupted;
        }
        await output.WriteLineAsync(Google.Protobuf.JsonFormatter.Default.Format(result.Run));
        await output.FlushAsync(CancellationToken.None);
        return ExitCodes.Ok;
    }

    private async Task<int> SnapshotAsync(int pid, TextWriter output, CancellationToken ct)
    {
        HeapSnapshotResult result;
        try
        {
            result = await heapSnapshots.CollectAsync(pid, ct);
        }
        catch (HeapSnapshotRefusedException e)
        {
            Console.Error.WriteLine($"fleetprofiler-agent: {e.Message}");
            return ExitCodes.TargetUnavailable;
        }
        catch (Exception e) when (e is TargetUnavailableException or TimeoutException)
        {
            Console.Error.WriteLine($"fleetprofiler-agent: {e.Message}");
            return ExitCodes.TargetUnavailable;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("fleetprofiler-agent: interrupted; the session was stopped");
            return ExitCodes.Interrupted;
        }
        await output.WriteLineAsync(Google.Protobuf.JsonFormatter.Default.Format(result.Snapshot));
        await output.FlushAsync(CancellationToken.None);
        Console.Error.WriteLine($"fleetprofiler-agent: {HeapReduction.Describe(result.Snapshot)}");
        return ExitCodes.Ok;
    }

    public static readonly string Usage =
        "usage: FleetProfiler.Agent --once --pid <pid> --kind cpu|wall|alloc|inuse [--seconds <n>] [--by-endpoint]   (one window, folded stacks on stdout;\n" +
        "           --by-endpoint: each stack under its request's [endpoint] METHOD route)\n" +
        "       FleetProfiler.Agent --once --pid <pid> --kind coverage   (one coverage run: methods and lines that never ran, JSON on stdout)\n" +
        "       FleetProfiler.Agent --once --pid <pid> --kind heap   (one heap snapshot: live bytes, objects and retained bytes per type, JSON on stdout)\n" +
        "       FleetProfiler.Agent --Agent:AgentId <id> --Agent:Token <token> [--Agent:GatewayUrl http://gw:5150] [--Agent:Schedules:0:Kind cpu] ...\n" +
        "           (daemon: windows on schedules, signals SIGRTMIN+1/+2 and gateway commands, spooled and sent to the gateway; see docs/operations.md)\n" +
        $"exit codes: {ExitCodes.Ok} ok, {ExitCodes.Failed} failure, {ExitCodes.TargetUnavailable} target not profilable (not found / not .NET / socket not accessible), " +
        $"{ExitCodes.Usage} usage or configuration, {ExitCodes.Interrupted} interrupted";
}
