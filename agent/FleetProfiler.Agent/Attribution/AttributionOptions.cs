namespace FleetProfiler.Agent.Attribution;

/// <summary>
/// <c>Agent:Attribution</c>: attributing a window's thread and allocation samples to requests and routes (the label
/// <c>endpoint</c> on every sample; see docs/operations.md, "Endpoint attribution").
/// </summary>
public sealed class AttributionOptions
{
    /// <summary>On by default: every cpu, wall and alloc window runs a second, stack-less session for the request timeline.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// True (default): the TPL activity timeline (<c>SetActivityId</c> events, keyword DebugActivityId) attributes samples
    /// after <c>await</c> correctly. False: the session does not ask for those events and windows fall back to thread
    /// correlation (method <c>threads</c>, wrong after await), which costs the target less per await.
    /// </summary>
    public bool ActivityTimeline { get; set; } = true;

    /// <summary>Distinct <c>METHOD route</c> labels per window; the routes with the fewest samples fold into <c>[other routes]</c>.</summary>
    public int MaxEndpointsPerWindow { get; set; } = 100;

    /// <summary>Requests tracked per window (about 100 bytes each); requests beyond it are not attributed and the window's note says so.</summary>
    public int MaxRequestsPerWindow { get; set; } = 100_000;

    /// <summary>
    /// Activity switches (<c>SetActivityId</c>) kept per window (16 bytes each); after the cap, later samples are labelled
    /// <c>[not attributed]</c> and the note says when the timeline was cut.
    /// </summary>
    public int MaxActivitySwitchesPerWindow { get; set; } = 2_000_000;

    /// <summary>EventPipe buffer of the attribution session in the target, MB.</summary>
    public int CircularBufferMB { get; set; } = 16;

    /// <summary>The problems of these settings, one line each, naming the key.</summary>
    public IEnumerable<string> Problems()
    {
        if (MaxEndpointsPerWindow is < 1 or > 10_000)
        {
            yield return $"Agent:Attribution:MaxEndpointsPerWindow must be 1..10000, was {MaxEndpointsPerWindow}.";
        }
        if (MaxRequestsPerWindow is < 1 or > 10_000_000)
        {
            yield return $"Agent:Attribution:MaxRequestsPerWindow must be 1..10000000, was {MaxRequestsPerWindow}.";
        }
        if (MaxActivitySwitchesPerWindow is < 1 or > 50_000_000)
        {
            yield return $"Agent:Attribution:MaxActivitySwitchesPerWindow must be 1..50000000, was {MaxActivitySwitchesPerWindow}.";
        }
        if (CircularBufferMB is < 1 or > 1024)
        {
            yield return $"Agent:Attribution:CircularBufferMB must be 1..1024, was {CircularBufferMB}.";
        }
    }
}
