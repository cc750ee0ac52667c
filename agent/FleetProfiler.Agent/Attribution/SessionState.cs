namespace FleetProfiler.Agent.Attribution;

/// <summary>
/// What a shared attribution session knows at this moment: the requests in flight (with the route matched for them) and
/// every thread's current activity. A window that joins the session while it runs starts its timeline from this, so
/// requests already running (and their routes, matched before the window began) are known to it from its first sample.
/// Bounded: at most <c>maxRequests</c> requests in flight (a request whose Stop was lost is dropped, oldest first, when
/// that is reached) and one entry per thread id.
/// </summary>
public sealed class SessionState(int maxRequests, Func<Guid, string?> pathOf)
{
    private const int MaxThreads = 100_000;
    private readonly Dictionary<Guid, Running> _running = [];
    private readonly Dictionary<string, Guid> _byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<int, (long Time, Guid Activity)> _threads = [];

    /// <summary>Requests in flight now.</summary>
    public int RequestsInFlight => _running.Count;

    public void RequestStarted(long time, int thread, Guid activity, string? method)
    {
        if (activity == Guid.Empty || _running.ContainsKey(activity))
        {
            return;
        }
        if (_running.Count >= maxRequests)
        {
            Forget(_running.MinBy(kv => kv.Value.Start).Key);
        }
        var path = pathOf(activity);
        _running[activity] = new Running(time, thread, method, null, path);
        if (path is not null)
        {
            _byPath[path] = activity;
        }
    }

    public void RequestStopped(Guid activity) => Forget(activity);

    /// <param name="activity">The request's activity or a descendant's (as <see cref="RequestTimeline.RouteMatched"/>).</param>
    public void RouteMatched(Guid activity, string endpointName)
    {
        var request = _running.ContainsKey(activity) ? activity
            : pathOf(activity) is { } path && ActivityPaths.LongestKnownPrefix(path, _byPath) is { } owner ? owner
            : Guid.Empty;
        if (request != Guid.Empty && _running[request] is { EndpointName: null } running)
        {
            _running[request] = running with { EndpointName = endpointName };
        }
    }

    public void ActivitySwitched(long time, int thread, Guid activity)
    {
        if (activity == Guid.Empty)
        {
            _threads.Remove(thread);
        }
        else if (_threads.Count < MaxThreads || _threads.ContainsKey(thread))
        {
            _threads[thread] = (time, activity);
        }
    }

    /// <summary>Gives a window's new timeline the requests in flight and the threads' current activities.</summary>
    public void Seed(RequestTimeline timeline)
    {
        foreach (var (activity, r) in _running)
        {
            timeline.RequestStarted(r.Start, r.Thread, activity, r.Method);
            if (r.EndpointName is not null)
            {
                timeline.RouteMatched(activity, r.EndpointName);
            }
        }
        foreach (var (thread, (time, activity)) in _threads)
        {
            timeline.ActivitySwitched(time, thread, activity);
        }
    }

    private void Forget(Guid activity)
    {
        if (_running.Remove(activity, out var r) && r.Path is not null)
        {
            _byPath.Remove(r.Path);
        }
    }

    /// <param name="Path">The activity path, by which a descendant's route match finds the request.</param>
    private readonly record struct Running(long Start, int Thread, string? Method, string? EndpointName, string? Path);
}
