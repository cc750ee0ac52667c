namespace FleetProfiler.Agent.Spool;

/// <summary>Where finished windows go in daemon mode: converted to batches within the current limits, then spooled.</summary>
public sealed class WindowSpooler(
    WindowSpool spool,
    GatewayLimits limits,
    IOptions<AgentOptions> options,
    ILogger<WindowSpooler> logger)
{
    /// <summary>Spools <paramref name="window"/>; returns the sequences it was given (more than one when split).</summary>
    public IReadOnlyList<ulong> Accept(ProfileWindow window)
    {
        var current = limits.Current;
        var batch = BatchBuilder.FromWindow(window, options.Value.EffectiveHost, current);
        var split = BatchSplitter.Split(batch, current);
        if (!split.Unchanged)
        {
            logger.LogWarning(
                "Window of pid {Pid} is over the gateway's limits ({Violation}): split into {Parts} batches{Dropped}",
                window.ProcessId, BatchSplitter.Violation(batch, current), split.Parts.Count,
                split.DroppedSamples > 0 ? $", {split.DroppedSamples} sample(s) too large on their own dropped" : "");
        }

        var sequences = split.Parts.Select(spool.Add).ToList();
        var status = spool.Status;
        logger.LogInformation(
            "Spooled window of {Service} (pid {Pid}, {Kinds}) as batch {Sequences}: {Stacks} stacks, {Samples} samples, {KB:F1} KB; spool holds {Count} batch(es), {SpoolKB} KB",
            window.Service, window.ProcessId, ProfileKindNames.Format(window.Kinds), string.Join(",", sequences),
            batch.Stacks.Count, batch.Samples.Count, batch.CalculateSize() / 1024.0, status.Count, status.Bytes / 1024);
        return sequences;
    }
}
