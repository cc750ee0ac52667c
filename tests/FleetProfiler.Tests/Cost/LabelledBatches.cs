using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Tests.Cost;

/// <summary>
/// Batches as an attributing agent sends them: windows whose samples carry the label "endpoint" = "METHOD route" (or
/// "[not in a request]"), frames written "function|repository/relative/file.cs", and route-minute batches.
/// </summary>
public static class LabelledBatches
{
    /// <summary>A cpu (or alloc) window of 10 s at <paramref name="start"/>: (endpoint, stack root first, value).</summary>
    public static Batch Window(ulong sequence, string service, string host, DateTimeOffset start, string kind, params (string Endpoint, string Stack, long Value)[] samples)
    {
        var b = TestBatches.Header(sequence, service, host, start, start.AddSeconds(10));
        b.SamplingIntervalMs = 10;
        b.Attribution = new Attribution { Method = "timeline", Requests = 1 };
        b.Kinds.AddRange(kind == "cpu" ? ["cpu", "wall"] : ["alloc"]);
        var strings = new Dictionary<string, uint> { [""] = 0 };
        b.Strings.Add("");
        uint Str(string s)
        {
            if (!strings.TryGetValue(s, out var i)) { strings[s] = i = (uint)b.Strings.Count; b.Strings.Add(s); }
            return i;
        }
        var functions = new Dictionary<string, uint>();
        foreach (var (endpoint, stack, value) in samples)
        {
            var s = new Stack();
            foreach (var frame in stack.Split(';'))
            {
                if (!functions.TryGetValue(frame, out var f))
                {
                    var parts = frame.Split('|');
                    functions[frame] = f = (uint)b.Functions.Count;
                    b.Functions.Add(new Function { Name = Str(parts[0]), File = parts.Length > 1 ? Str(parts[1]) : 0 });
                    b.Locations.Add(new Location { Function = f, Line = 10 });
                }
                s.Locations.Add(f);
            }
            var sample = kind == "cpu"
                ? new Sample { CpuSamples = value, WallSamples = value }
                : new Sample { AllocBytes = value, AllocCount = 1, AllocatedType = Str("System.Byte[]") };
            sample.Stack = (uint)b.Stacks.Count;
            sample.Labels.Add(new Label { Key = Str("endpoint"), Value = Str(endpoint) });
            b.Stacks.Add(s);
            b.Samples.Add(sample);
        }
        return b;
    }

    /// <summary>A batch of route minutes: (minute, method, route, requests), status 2xx.</summary>
    public static Batch Requests(ulong sequence, string service, string host, params (DateTimeOffset Minute, string Method, string Route, long Requests)[] rows)
    {
        var b = new Batch
        {
            Sequence = sequence,
            Service = service,
            Host = host,
            WindowStart = Timestamp.FromDateTimeOffset(rows.Min(r => r.Minute)),
            WindowEnd = Timestamp.FromDateTimeOffset(rows.Max(r => r.Minute).AddMinutes(1)),
        };
        b.RouteMinutes.AddRange(rows.Select(r => new RouteMinute
        {
            Minute = Timestamp.FromDateTimeOffset(r.Minute),
            Method = r.Method,
            Route = r.Route,
            StatusClass = "2xx",
            Requests = r.Requests,
            DurationSumMs = r.Requests * 5,
            P50Ms = 5,
            P95Ms = 5,
            P99Ms = 5,
        }));
        return b;
    }
}
