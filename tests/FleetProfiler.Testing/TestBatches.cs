using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Testing;

/// <summary>
/// Builds wire batches the way an agent does: strings[0] = "", interned functions and locations, stacks root first.
/// Frames are named "module!Class.Method"; a frame's file is its class ("app!Orders.Get" lives in "Orders.cs").
/// </summary>
public static class TestBatches
{
    /// <summary>The version protocol-level test agents report in their Hello.</summary>
    public const string AgentVersion = "test-agent-1.0";

    public static readonly DateTimeOffset Epoch = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A cpu window from folded-style stacks ("a;b;c" → samples).</summary>
    public static Batch Cpu(ulong sequence, string service, string host, DateTimeOffset start, params (string Stack, long Samples)[] stacks) =>
        Window(sequence, service, host, start, ["cpu", "wall"],
            stacks.Select(s => (s.Stack, (string?)null, new Sample { CpuSamples = s.Samples, WallSamples = s.Samples })));

    /// <summary>An alloc window: each allocation site stack ("a;b;c", the innermost frame allocates) with its type, bytes and count.</summary>
    public static Batch Alloc(ulong sequence, string service, string host, DateTimeOffset start, params (string Stack, string Type, long Bytes, long Count)[] allocations) =>
        Window(sequence, service, host, start, ["alloc"],
            allocations.Select(a => (a.Stack, (string?)a.Type, new Sample { AllocBytes = a.Bytes, AllocCount = a.Count })));

    /// <summary>
    /// An inuse window as an agent sends it (kinds alloc and inuse): each allocation site stack ("a;b;c", the innermost
    /// frame allocates) with its type and the bytes and objects still in use at the window's end; the same samples
    /// carry the alloc values (here: exactly what is still in use).
    /// </summary>
    public static Batch Inuse(ulong sequence, string service, string host, DateTimeOffset start, params (string Stack, string Type, long Bytes, long Count)[] sites) =>
        Window(sequence, service, host, start, ["alloc", "inuse"],
            sites.Select(s => (s.Stack, (string?)s.Type, new Sample { AllocBytes = s.Bytes, AllocCount = s.Count, InuseBytes = s.Bytes, InuseCount = s.Count })));

    /// <summary>
    /// An inuse window whose alloc values differ from its in-use ones: each allocation site stack with its type, the
    /// bytes sampled in the window (one object per 1,000 bytes) and the bytes and objects still in use at its end.
    /// </summary>
    public static Batch InuseAndAlloc(ulong sequence, string service, string host, DateTimeOffset start, params (string Stack, string Type, long AllocBytes, long InuseBytes, long InuseCount)[] sites) =>
        Window(sequence, service, host, start, ["alloc", "inuse"],
            sites.Select(s => (s.Stack, (string?)s.Type, new Sample { AllocBytes = s.AllocBytes, AllocCount = Math.Max(1, s.AllocBytes / 1000), InuseBytes = s.InuseBytes, InuseCount = s.InuseCount })));

    /// <summary>A heap snapshot of pid 4242 taken at <paramref name="at"/>: live bytes, objects and retained bytes per type.</summary>
    public static Batch Heap(ulong sequence, string service, string host, DateTimeOffset at, params (string Type, long LiveBytes, long Objects, long RetainedBytes)[] types)
    {
        var snapshot = new HeapSnapshot
        {
            GcNumber = (long)sequence,
            PauseUs = 1500,
            GcUs = 1000,
            LiveBytes = types.Sum(t => t.LiveBytes),
            LiveObjects = types.Sum(t => t.Objects),
            RetainedComputed = true,
        };
        snapshot.TypeRows.AddRange(types.Select(t => new HeapTypeRow { Name = t.Type, LiveBytes = t.LiveBytes, Objects = t.Objects, RetainedBytes = t.RetainedBytes }));
        var b = Header(sequence, service, host, at, at.AddSeconds(1));
        b.HeapSnapshot = snapshot;
        b.Kinds.Add("heap");
        return b;
    }

    /// <summary>A batch of the test agent's process (pid 4242, "dotnet", runtime 10.0.12) over [start, end], without content.</summary>
    public static Batch Header(ulong sequence, string service, string host, DateTimeOffset start, DateTimeOffset end) => new()
    {
        Sequence = sequence,
        Service = service,
        Host = host,
        Pid = 4242,
        ProcessName = "dotnet",
        WindowStart = Timestamp.FromDateTimeOffset(start),
        WindowEnd = Timestamp.FromDateTimeOffset(end),
        RuntimeVersion = "10.0.12",
    };

    private static Batch Window(ulong sequence, string service, string host, DateTimeOffset start, string[] kinds, IEnumerable<(string Stack, string? Type, Sample Sample)> samples)
    {
        var b = Header(sequence, service, host, start, start.AddSeconds(10));
        b.SamplingIntervalMs = 1;
        b.Kinds.AddRange(kinds);
        var strings = new Dictionary<string, uint> { [""] = 0 };
        b.Strings.Add("");
        var functions = new Dictionary<string, uint>();
        uint Str(string s)
        {
            if (!strings.TryGetValue(s, out var i)) { strings[s] = i = (uint)b.Strings.Count; b.Strings.Add(s); }
            return i;
        }
        uint Fn(string name)
        {
            if (!functions.TryGetValue(name, out var i))
            {
                functions[name] = i = (uint)b.Functions.Count;
                b.Functions.Add(new Function { Name = Str(name), File = Str(FileOf(name)) });
                b.Locations.Add(new Location { Function = i, Line = 10 + i });
            }
            return i;
        }
        foreach (var (stack, type, sample) in samples)
        {
            var s = new Stack();
            foreach (var frame in stack.Split(';')) s.Locations.Add(Fn(frame));
            sample.Stack = (uint)b.Stacks.Count;
            if (type is not null) sample.AllocatedType = Str(type);
            b.Samples.Add(sample);
            b.Stacks.Add(s);
        }
        return b;
    }

    /// <summary>
    /// Labels sample i with <c>endpoint</c> = <paramref name="endpoints"/>[i] (null: no label), as an attributing agent
    /// does, and records the attribution (method "timeline", the labelled samples counted).
    /// </summary>
    public static Batch WithEndpoints(this Batch b, params string?[] endpoints)
    {
        if (endpoints.Length != b.Samples.Count) throw new ArgumentException($"{b.Samples.Count} samples, {endpoints.Length} endpoints");
        uint Str(string s)
        {
            var i = b.Strings.IndexOf(s);
            if (i >= 0) return (uint)i;
            b.Strings.Add(s);
            return (uint)(b.Strings.Count - 1);
        }
        var attribution = new Attribution { Method = "timeline" };
        for (var i = 0; i < endpoints.Length; i++)
        {
            if (endpoints[i] is not { } endpoint) continue;
            b.Samples[i].Labels.Add(new Label { Key = Str("endpoint"), Value = Str(endpoint) });
            if (endpoint == "[not in a request]") attribution.SamplesNotInRequest++;
            else attribution.SamplesInRequests++;
        }
        b.Attribution = attribution;
        return b;
    }

    /// <summary>The file a frame of these batches lives in: its class ("app!Orders.Get" → "Orders.cs").</summary>
    public static string FileOf(string frame) => frame[(frame.IndexOf('!') + 1)..].Split('.')[0] + ".cs";

    public static AgentMessage Message(this Batch b) => new() { Batch = b };

    public static AgentMessage Hello(string agentId, string host, string token, params string[] services)
    {
        var hello = new Hello { AgentId = agentId, Host = host, Token = token, AgentVersion = AgentVersion };
        hello.Services.AddRange(services);
        return new AgentMessage { Hello = hello };
    }
}
