using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>Builds wire batches the way an agent does: interned tables, stacks root first.</summary>
public static class TestBatches
{
    public static readonly DateTimeOffset Epoch = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A cpu window from folded-style stacks ("a;b;c" → samples).</summary>
    public static Batch Cpu(ulong sequence, string service, string host, DateTimeOffset start, params (string Stack, long Samples)[] stacks)
    {
        var b = new Batch
        {
            Sequence = sequence,
            Service = service,
            Host = host,
            Pid = 4242,
            ProcessName = "dotnet",
            WindowStart = Timestamp.FromDateTimeOffset(start),
            WindowEnd = Timestamp.FromDateTimeOffset(start.AddSeconds(10)),
            SamplingIntervalMs = 1,
            RuntimeVersion = "10.0.12",
        };
        b.Kinds.Add("cpu");
        b.Kinds.Add("wall");
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
                b.Functions.Add(new Function { Name = Str(name), File = Str(name.Split('!')[^1] + ".cs") });
                b.Locations.Add(new Location { Function = i, Line = 10 + i });
            }
            return i;
        }
        foreach (var (stack, samples) in stacks)
        {
            var s = new Stack();
            foreach (var frame in stack.Split(';')) s.Locations.Add(Fn(frame));
            b.Samples.Add(new Sample { Stack = (uint)b.Stacks.Count, CpuSamples = samples, WallSamples = samples });
            b.Stacks.Add(s);
        }
        return b;
    }

    public static AgentMessage Message(this Batch b) => new() { Batch = b };

    public static AgentMessage Hello(string agentId, string host, string token, params string[] services)
    {
        var hello = new Hello { AgentId = agentId, Host = host, Token = token, AgentVersion = "test" };
        hello.Services.AddRange(services);
        return new AgentMessage { Hello = hello };
    }
}
