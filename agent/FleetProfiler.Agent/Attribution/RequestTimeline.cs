using System.Runtime.InteropServices;

namespace FleetProfiler.Agent.Attribution;

/// <summary>
/// What the attribution session saw during a window, in the order it saw it: requests starting and stopping (Hosting
/// events, keyed by their activity id), route matches, and every thread's activity switches (TPL <c>SetActivityId</c>,
/// written by the thread itself). <see cref="Build"/> turns it into a <see cref="SampleAttributor"/> that answers "which
/// request was thread T running at time t". Times are the runtime's timestamps (QPC), shared by every session of one process.
/// Every list is bounded by <see cref="AttributionOptions"/>; what did not fit is counted and named in the note.
/// </summary>
/// <param name="pathOf">The activity path of an activity id (<c>"/1/5/3"</c>), or null when the id is not a path (empty,
/// or a W3C id): <see cref="ActivityPaths.PathOf"/> in the agent, a table in tests.</param>
public sealed class RequestTimeline(AttributionOptions limits, Func<Guid, string?> pathOf)
{
    private readonly List<Request> _requests = [];
    private readonly Dictionary<Guid, int> _requestByActivity = [];
    private readonly List<(Guid Activity, string Endpoint)> _routeMatches = [];
    private readonly Dictionary<Guid, int> _activityIndex = [];
    private readonly List<Guid> _activities = [];
    private readonly List<Switch> _switches = [];
    private readonly List<Switch> _threadSwitches = [];
    private long _requestsDropped;
    private long _switchesDropped;
    private long _cutAt = long.MaxValue;

    /// <summary>Activity switches recorded so far (the timeline's size).</summary>
    public int Switches => _switches.Count;

    public void RequestStarted(long time, int thread, Guid activity, string? method)
    {
        if (Find(activity) is { } known)
        {
            _requests[known] = _requests[known] with { Start = time };
            return;
        }
        if (Add(activity, method, time) is { } index)
        {
            AddThreadSwitch(new Switch(time, thread, index));
        }
    }

    /// <summary>A stop of a request that started before the window registers it too (from here on it is known).</summary>
    public void RequestStopped(long time, int thread, Guid activity, string? method)
    {
        var index = Find(activity) ?? Add(activity, method, long.MinValue);
        if (index is { } i)
        {
            _requests[i] = _requests[i] with { Stop = time };
            AddThreadSwitch(new Switch(time, thread, -1));
        }
    }

    /// <param name="activity">The activity the routing middleware logged under: the request's or one of its descendants.</param>
    public void RouteMatched(Guid activity, string endpointName)
    {
        if (_routeMatches.Count < limits.MaxRequestsPerWindow)
        {
            _routeMatches.Add((activity, EndpointLabels.RouteOf(endpointName)));
        }
    }

    public void ActivitySwitched(long time, int thread, Guid newId)
    {
        if (_switches.Count >= limits.MaxActivitySwitchesPerWindow)
        {
            _cutAt = Math.Min(_cutAt, time);
            _switchesDropped++;
            return;
        }
        ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_activityIndex, newId, out var seen);
        if (!seen)
        {
            index = _activities.Count;
            _activities.Add(newId);
        }
        _switches.Add(new Switch(time, thread, index));
    }

    /// <summary>
    /// Resolves what was recorded: the TPL timeline when it has switches and the requests carry activity paths,
    /// else thread correlation (Hosting Start/Stop on each thread), else nothing to attribute.
    /// </summary>
    public SampleAttributor Build()
    {
        var requestByPath = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _requests.Count; i++)
        {
            if (pathOf(_requests[i].Activity) is { } path)
            {
                requestByPath.TryAdd(path, i);
            }
        }
        int RequestOfActivity(Guid activity) =>
            pathOf(activity) is { } path && ActivityPaths.LongestKnownPrefix(path, requestByPath) is { } request ? request : -1;

        foreach (var (activity, route) in _routeMatches)
        {
            var request = _requestByActivity.TryGetValue(activity, out var direct) ? direct : RequestOfActivity(activity);
            if (request >= 0 && _requests[request].Route is null)
            {
                _requests[request] = _requests[request] with { Route = route };
            }
        }

        var notes = new List<string>();
        string method;
        List<Switch> switches;
        int[] requestOf;
        if (_requests.Count == 0)
        {
            method = "none";
            switches = [];
            requestOf = [];
        }
        else if (_switches.Count > 0 && requestByPath.Count > 0)
        {
            method = "timeline";
            switches = _switches;
            requestOf = _activities.Select(RequestOfActivity).ToArray();
        }
        else
        {
            method = "threads";
            switches = _threadSwitches;
            requestOf = Enumerable.Range(0, _requests.Count).ToArray();
            notes.Add(_switches.Count == 0
                ? limits.ActivityTimeline
                    ? "no TPL SetActivityId events in the window (the runtime did not honour the DebugActivityId keyword): attributed by thread, wrong after await"
                    : "the activity timeline is off (Agent:Attribution:ActivityTimeline=false): attributed by thread, wrong after await"
                : "requests carry no activity paths (TasksFlowActivityIds off?): attributed by thread, wrong after await");
        }
        if (_requestsDropped > 0)
        {
            notes.Add($"{_requestsDropped} requests beyond Agent:Attribution:MaxRequestsPerWindow={limits.MaxRequestsPerWindow} were not tracked");
        }
        if (_switchesDropped > 0 && method == "timeline")
        {
            notes.Add($"the activity timeline was cut at Agent:Attribution:MaxActivitySwitchesPerWindow={limits.MaxActivitySwitchesPerWindow}; later samples are {EndpointLabels.Unattributed}");
        }

        var labels = _requests.Select(r => EndpointLabels.Of(r.Method, r.Route)).ToArray();
        return new SampleAttributor(method, string.Join("; ", notes), _requests.ToArray(), labels, requestOf,
            ByThread(switches), method == "timeline" ? _cutAt : long.MaxValue);
    }

    private int? Find(Guid activity) => _requestByActivity.TryGetValue(activity, out var index) ? index : null;

    private int? Add(Guid activity, string? method, long start)
    {
        if (_requests.Count >= limits.MaxRequestsPerWindow)
        {
            _requestsDropped++;
            return null;
        }
        var index = _requests.Count;
        _requests.Add(new Request(activity, EndpointLabels.Method(method), null, start, long.MaxValue));
        if (activity != Guid.Empty)
        {
            _requestByActivity[activity] = index;
        }
        return index;
    }

    private void AddThreadSwitch(Switch s)
    {
        if (_threadSwitches.Count < limits.MaxActivitySwitchesPerWindow)
        {
            _threadSwitches.Add(s);
        }
    }

    /// <summary>Per thread, its switches in time order (the session delivers them in order; sorting makes sure).</summary>
    private static Dictionary<int, (long[] Times, int[] Targets)> ByThread(List<Switch> switches) =>
        switches.GroupBy(s => s.Thread).ToDictionary(g => g.Key, g =>
        {
            var ordered = g.OrderBy(s => s.Time).ToArray();
            return (ordered.Select(s => s.Time).ToArray(), ordered.Select(s => s.Target).ToArray());
        });

    internal readonly record struct Switch(long Time, int Thread, int Target);

    /// <param name="Start">long.MinValue when it started before the window.</param>
    /// <param name="Stop">long.MaxValue when it was still running at the window's end.</param>
    internal sealed record Request(Guid Activity, string Method, string? Route, long Start, long Stop);
}
