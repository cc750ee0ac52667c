namespace FleetProfiler.Agent.Attribution;

/// <summary>
/// Answers, for a sample of thread T at time t, the endpoint label of the request T was running: the last switch of T at
/// or before t names an activity, the activity belongs to the request whose path is its longest known prefix, and the
/// request must have been running at t. Counts what it answered for the window's <see cref="WindowAttribution"/>.
/// </summary>
public sealed class SampleAttributor
{
    /// <summary>Label id of samples outside any request.</summary>
    public const int NotInRequest = -1;

    /// <summary>Label id of samples after the timeline was cut.</summary>
    public const int Unattributed = -2;

    private readonly RequestTimeline.Request[] _requests;
    private readonly string[] _labels;
    private readonly int[] _requestOf;
    private readonly Dictionary<int, (long[] Times, int[] Targets)> _threads;
    private readonly long _cutAt;
    private long _inRequests, _notInRequest, _unattributed;

    internal SampleAttributor(string method, string note, RequestTimeline.Request[] requests, string[] labels, int[] requestOf,
        Dictionary<int, (long[] Times, int[] Targets)> threads, long cutAt)
    {
        Method = method;
        Note = note;
        _requests = requests;
        _labels = labels;
        _requestOf = requestOf;
        _threads = threads;
        _cutAt = cutAt;
    }

    /// <summary>An attributor for a window without an attribution session: every sample outside any request, with a reason.</summary>
    public static SampleAttributor Unavailable(string note) => new("none", note, [], [], [], [], long.MaxValue);

    /// <summary><c>timeline</c>, <c>threads</c> or <c>none</c> (ingest.proto, message Attribution).</summary>
    public string Method { get; }

    public string Note { get; }

    /// <summary>The label id of a sample of <paramref name="thread"/> at <paramref name="time"/> (a request index, or a constant above).</summary>
    public int Attribute(int thread, long time)
    {
        var request = RequestAt(thread, time);
        if (request >= 0)
        {
            _inRequests++;
        }
        else if (request == Unattributed)
        {
            _unattributed++;
        }
        else
        {
            _notInRequest++;
        }
        return request;
    }

    /// <summary>The label text of a label id from <see cref="Attribute"/>.</summary>
    public string Label(int id) => id switch
    {
        NotInRequest => EndpointLabels.NotInRequest,
        Unattributed => EndpointLabels.Unattributed,
        _ => _labels[id],
    };

    public WindowAttribution Summary() => new(
        Method,
        _requests.Length,
        _inRequests,
        _notInRequest + _unattributed,
        // A request that started and finished in the session without a route match: the routing log did not reach us (a
        // match is written, and read, before its request's Stop). Not counted: requests already running when the session
        // began (matched before it), requests still running at the window's end (maybe not routed yet), and requests
        // without an activity id (the first of a process whose runtime had not yet turned activity tracking on).
        _requests.LongCount(r => r.Route is null && r.Start != long.MinValue && r.Stop != long.MaxValue && r.Activity != Guid.Empty),
        _unattributed == 0 ? Note : $"{Note}{(Note.Length == 0 ? "" : "; ")}{_unattributed} samples {EndpointLabels.Unattributed}");

    private int RequestAt(int thread, long time)
    {
        if (time >= _cutAt)
        {
            return Unattributed;
        }
        if (!_threads.TryGetValue(thread, out var timeline))
        {
            return NotInRequest;
        }
        // The last switch at or before the sample: BinarySearch gives the first one after it (as a complement) when not exact.
        var at = Array.BinarySearch(timeline.Times, time);
        if (at < 0)
        {
            at = ~at - 1;
        }
        else
        {
            // Several switches at one timestamp: the last one holds.
            while (at + 1 < timeline.Times.Length && timeline.Times[at + 1] == time)
            {
                at++;
            }
        }
        if (at < 0)
        {
            return NotInRequest;
        }
        var target = timeline.Targets[at];
        var request = target < 0 ? -1 : _requestOf[target];
        if (request < 0)
        {
            return NotInRequest;
        }
        var r = _requests[request];
        return time >= r.Start && time <= r.Stop ? request : NotInRequest;
    }
}

/// <summary>How a window's samples were attributed (ingest.proto, message Attribution).</summary>
public sealed record WindowAttribution(
    string Method, long Requests, long SamplesInRequests, long SamplesNotInRequest, long RequestsWithoutRoute, string Note);
