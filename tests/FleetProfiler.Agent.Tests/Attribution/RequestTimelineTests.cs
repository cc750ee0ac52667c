using System.Security.Cryptography;
using System.Text;
using FleetProfiler.Agent.Attribution;

namespace FleetProfiler.Agent.Tests.Attribution;

/// <summary>
/// The timeline and prefix logic on synthetic event sequences: activity ids are stand-ins whose paths a table gives,
/// threads and times are small numbers. The shape follows what the runtime writes: a request's Start on the thread that
/// reads it, SetActivityId on every thread whenever its activity changes (children of the request after await, empty
/// when the thread returns to the pool), Stop on whichever thread finishes it.
/// </summary>
public sealed class RequestTimelineTests
{
    private readonly Dictionary<Guid, string> _paths = [];
    private RequestTimeline NewTimeline(AttributionOptions? limits = null) =>
        new(limits ?? new AttributionOptions(), id => _paths.GetValueOrDefault(id));

    /// <summary>A stand-in activity id with <paramref name="path"/> as its activity path.</summary>
    private Guid A(string path)
    {
        var id = new Guid(MD5.HashData(Encoding.UTF8.GetBytes(path)));
        _paths[id] = path;
        return id;
    }

    [Fact]
    public void Samples_after_await_on_other_threads_belong_to_the_request_whose_path_is_the_longest_known_prefix()
    {
        var t = NewTimeline();
        t.RequestStarted(100, thread: 1, A("/1/7"), "GET");
        t.ActivitySwitched(100, 1, A("/1/7"));
        t.RouteMatched(A("/1/7"), "HTTP: GET /items/{id}");
        t.RequestStarted(150, thread: 2, A("/1/8"), "POST");
        t.ActivitySwitched(150, 2, A("/1/8"));
        t.RouteMatched(A("/1/8/1"), "HTTP: POST /orders"); // logged under a child activity of the request
        t.ActivitySwitched(200, 1, Guid.Empty);               // request /1/7 awaits: thread 1 back to the pool
        t.ActivitySwitched(300, 3, A("/1/7/2/1"));            // its continuation, a grandchild, on thread 3
        t.ActivitySwitched(320, 1, A("/1/8/4$300"));          // an overflow id of /1/8 on thread 1
        t.RequestStopped(400, 3, A("/1/7"), "GET");
        t.RequestStopped(450, 1, A("/1/8"), "POST");

        var attributor = t.Build();

        Assert.Equal("timeline", attributor.Method);
        Assert.Equal("", attributor.Note);
        Assert.Equal("GET /items/{id}", Label(attributor, 1, 150));
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 1, 250));
        Assert.Equal("GET /items/{id}", Label(attributor, 3, 350));
        Assert.Equal("POST /orders", Label(attributor, 1, 330));
        Assert.Equal("POST /orders", Label(attributor, 2, 200));
        // A thread whose activity is unknown before its first switch, and a stale activity after its request stopped.
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 3, 250));
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 3, 401));
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 9, 300));

        var summary = attributor.Summary();
        Assert.Equal(new WindowAttribution("timeline", 2, 4, 4, 0, ""), summary);
    }

    [Fact]
    public void The_last_of_several_switches_at_one_timestamp_holds()
    {
        var t = NewTimeline();
        t.RequestStarted(10, 1, A("/1/1"), "GET");
        t.ActivitySwitched(20, 1, Guid.Empty);
        t.ActivitySwitched(20, 1, A("/1/1/1"));
        var attributor = t.Build();
        Assert.Equal("GET [unknown route]", Label(attributor, 1, 20));
        Assert.Equal("GET [unknown route]", Label(attributor, 1, 25));
    }

    [Fact]
    public void A_request_that_started_before_the_session_is_known_from_its_stop_and_its_route_stays_unknown_without_counting_as_missing()
    {
        var t = NewTimeline();
        t.ActivitySwitched(10, 4, A("/1/3/2"));
        t.RequestStopped(50, 4, A("/1/3"), "delete");
        var attributor = t.Build();
        Assert.Equal("DELETE [unknown route]", Label(attributor, 4, 20));
        // Its route was matched before the session began: nothing the routing log failed to deliver.
        Assert.Equal((1, 0), (attributor.Summary().Requests, attributor.Summary().RequestsWithoutRoute));
    }

    [Fact]
    public void A_request_started_and_finished_in_the_session_without_a_route_match_counts_as_without_route()
    {
        var t = NewTimeline();
        t.RequestStarted(10, 1, A("/1/1"), "GET");
        t.RequestStopped(20, 1, A("/1/1"), "GET");
        // Still running at the window's end: its match may simply not have come yet.
        t.RequestStarted(25, 3, A("/1/2"), "GET");
        // The first request of a process whose runtime had not yet turned activity tracking on: no route can be linked.
        t.RequestStarted(30, 2, Guid.Empty, "GET");
        t.RequestStopped(40, 2, Guid.Empty, "GET");
        var summary = t.Build().Summary();
        Assert.Equal((4, 1), (summary.Requests, summary.RequestsWithoutRoute));
    }

    [Fact]
    public void A_window_joining_a_running_session_knows_the_requests_in_flight_their_routes_and_the_threads_activities()
    {
        var state = new SessionState(maxRequests: 100, id => _paths.GetValueOrDefault(id));
        state.RequestStarted(100, 1, A("/1/7"), "GET");
        state.ActivitySwitched(100, 1, A("/1/7"));
        state.RouteMatched(A("/1/7/1"), "HTTP: GET /items/{id}");
        state.ActivitySwitched(120, 1, Guid.Empty);
        state.ActivitySwitched(130, 3, A("/1/7/2"));      // its continuation, running when the window joins
        state.RequestStarted(140, 2, A("/1/8"), "POST");
        state.RequestStopped(A("/1/8"));                 // done before the window joins: not seeded
        state.ActivitySwitched(150, 2, Guid.Empty);

        var joined = NewTimeline();
        state.Seed(joined);
        joined.ActivitySwitched(200, 3, Guid.Empty);
        joined.RequestStopped(210, 3, A("/1/7"), "GET");
        var attributor = joined.Build();

        Assert.Equal("GET /items/{id}", Label(attributor, 3, 180));
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 3, 205));
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 1, 180));
        Assert.Equal(new WindowAttribution("timeline", 1, 1, 2, 0, ""), attributor.Summary());
        Assert.Equal(1, state.RequestsInFlight);
    }

    [Fact]
    public void Without_SetActivityId_events_it_falls_back_to_threads_and_says_so()
    {
        var t = NewTimeline();
        t.RequestStarted(100, 1, A("/1/1"), "GET");
        t.RouteMatched(A("/1/1"), "HTTP: GET /a");
        t.RequestStopped(200, 2, A("/1/1"), "GET");       // finished on another thread after an await
        t.RequestStarted(210, 2, A("/1/2"), "GET");
        t.RouteMatched(A("/1/2"), "HTTP: GET /b");
        t.RequestStopped(260, 2, A("/1/2"), "GET");

        var attributor = t.Build();

        Assert.Equal("threads", attributor.Method);
        Assert.Contains("no TPL SetActivityId events", attributor.Note);
        Assert.Equal("GET /a", Label(attributor, 1, 150));
        Assert.Equal("GET /b", Label(attributor, 2, 230));
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 2, 205));
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 2, 300));
        Assert.Contains("no TPL SetActivityId events", attributor.Summary().Note);
    }

    [Fact]
    public void A_process_that_served_no_request_has_method_none_and_every_sample_outside_requests()
    {
        var t = NewTimeline();
        t.ActivitySwitched(10, 1, A("/1/1"));
        var attributor = t.Build();
        Assert.Equal("none", attributor.Method);
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 1, 20));
        Assert.Equal(new WindowAttribution("none", 0, 0, 1, 0, ""), attributor.Summary());
    }

    [Fact]
    public void Beyond_the_switch_cap_later_samples_are_unattributed_and_the_note_says_where_the_timeline_was_cut()
    {
        var t = NewTimeline(new AttributionOptions { MaxActivitySwitchesPerWindow = 2 });
        t.RequestStarted(10, 1, A("/1/1"), "GET");
        t.ActivitySwitched(10, 1, A("/1/1"));
        t.ActivitySwitched(20, 1, Guid.Empty);
        t.ActivitySwitched(30, 1, A("/1/1/1")); // beyond the cap
        t.RequestStopped(40, 1, A("/1/1"), "GET");

        var attributor = t.Build();

        Assert.Equal("GET [unknown route]", Label(attributor, 1, 15));
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 1, 25));
        Assert.Equal(EndpointLabels.Unattributed, Label(attributor, 1, 35));
        var summary = attributor.Summary();
        Assert.Contains("MaxActivitySwitchesPerWindow=2", summary.Note);
        Assert.Contains($"1 samples {EndpointLabels.Unattributed}", summary.Note);
        Assert.Equal(2, summary.SamplesNotInRequest);
    }

    [Fact]
    public void Beyond_the_request_cap_requests_are_not_tracked_and_counted_in_the_note()
    {
        var t = NewTimeline(new AttributionOptions { MaxRequestsPerWindow = 1 });
        t.RequestStarted(10, 1, A("/1/1"), "GET");
        t.RequestStarted(11, 2, A("/1/2"), "GET");
        t.ActivitySwitched(12, 2, A("/1/2"));
        t.RequestStopped(13, 2, A("/1/2"), "GET");
        var attributor = t.Build();
        Assert.Equal(EndpointLabels.NotInRequest, Label(attributor, 2, 12));
        Assert.Equal(1, attributor.Summary().Requests);
        Assert.Contains("2 requests beyond Agent:Attribution:MaxRequestsPerWindow=1", attributor.Note);
    }

    [Fact]
    public void An_unusual_method_becomes_OTHER_so_labels_stay_bounded()
    {
        var t = NewTimeline();
        t.RequestStarted(10, 1, A("/1/1"), "X-" + new string('A', 40));
        t.ActivitySwitched(10, 1, A("/1/1"));
        Assert.Equal("OTHER [unknown route]", Label(t.Build(), 1, 11));
    }

    private static string Label(SampleAttributor attributor, int thread, long time) => attributor.Label(attributor.Attribute(thread, time));
}
