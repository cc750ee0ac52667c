using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Tests.Fuzz;

/// <summary>
/// Structure-aware mutation of real batches (the test builders' windows, alloc and in-use windows, endpoint labels,
/// coverage runs, route minutes, heap snapshots): out-of-range indexes, extreme and non-finite numbers, timestamps that
/// are not normalised, hostile strings, tables emptied or duplicated, kinds crossed; and byte-level damage (truncation,
/// bit flips, random bytes) of the encoded batch. Deterministic for a seed.
/// </summary>
public sealed class BatchMutator(int seed)
{
    private readonly Random _random = new(seed);
    private readonly Batch[] _seeds = Seeds();

    /// <summary>One case: a mutated batch, or the raw bytes of a damaged one (which may not even parse).</summary>
    public FuzzCase Next()
    {
        var batch = _seeds[_random.Next(_seeds.Length)].Clone();
        var mutations = 1 + _random.Next(4);
        for (var i = 0; i < mutations; i++) Mutate(batch);
        return _random.Next(8) switch
        {
            0 => new FuzzCase(Damage(batch.ToByteArray())),
            1 when _random.Next(4) == 0 => new FuzzCase(RandomBytes(_random.Next(256))),
            _ => new FuzzCase(batch.ToByteArray()),
        };
    }

    /// <summary>The seed batches every case starts from: what real agents send.</summary>
    public static Batch[] Seeds()
    {
        var start = TestBatches.Epoch;
        var cpu = TestBatches.Cpu(1, "fuzz", "host-c", start, ("app!Program.Main;app!Orders.Get;app!Json.Write", 5), ("app!Program.Main;app!Orders.Get", 3), ("app!Program.Main;app!Idle.Wait", 1));
        var labelled = TestBatches.Cpu(2, "fuzz", "host-c", start, ("app!Program.Main;app!Orders.Get", 4), ("app!Program.Main;app!Timer.Tick", 2))
            .WithEndpoints("GET /orders/{id}", "[not in a request]");
        var alloc = TestBatches.Alloc(3, "fuzz", "host-c", start, ("app!Program.Main;app!Orders.Get", "System.String", 4096, 40), ("app!Program.Main;app!Json.Write", "System.Byte[]", 65536, 2));
        var inuse = TestBatches.Alloc(4, "fuzz", "host-c", start, ("app!Program.Main;app!Cache.Add", "System.Byte[]", 8192, 1));
        inuse.Kinds.Add("inuse");
        inuse.Samples[0].InuseBytes = 8192;
        inuse.Samples[0].InuseCount = 1;
        inuse.Functions[0].OriginalFile = (uint)inuse.Strings.Count;
        inuse.Strings.Add("/home/ci/src/Program.cs");
        var coverage = CoverageBatches.Run(5, "fuzz", "host-c", start,
            [new CoverageFileSpec("src/Orders.cs", CoverageFileSpec.Lines(1, 40), [3, 4, 5], [20]), new CoverageFileSpec("src/Json.cs", CoverageFileSpec.Lines(1, 10), [], [2, 3])],
            deadMethods: [("App.Orders.Unused()", "src/Orders.cs", 3, DeadConfidence.DeadCertain)]);
        var routes = new Batch { Sequence = 6, Service = "fuzz", Host = "host-c", WindowStart = Timestamp.FromDateTimeOffset(start), WindowEnd = Timestamp.FromDateTimeOffset(start.AddMinutes(2)) };
        routes.RouteMinutes.Add(new RouteMinute { Minute = Timestamp.FromDateTimeOffset(start), Method = "GET", Route = "/orders/{id}", StatusClass = "2xx", Requests = 10, DurationSumMs = 50, P50Ms = 4, P95Ms = 9, P99Ms = 12 });
        routes.RouteMinutes.Add(new RouteMinute { Minute = Timestamp.FromDateTimeOffset(start.AddMinutes(1)), Method = "POST", Route = "/orders", StatusClass = "5xx", Requests = 1, DurationSumMs = 3, P50Ms = 3, P95Ms = 3, P99Ms = 3 });
        var heap = new Batch
        {
            Sequence = 7,
            Service = "fuzz",
            Host = "host-c",
            Pid = 4242,
            ProcessName = "dotnet",
            WindowStart = Timestamp.FromDateTimeOffset(start),
            WindowEnd = Timestamp.FromDateTimeOffset(start),
            HeapSnapshot = new HeapSnapshot { GcNumber = 7, LiveBytes = 3000, LiveObjects = 30, OtherTypes = 1, OtherBytes = 1000, OtherObjects = 10 },
        };
        heap.Kinds.Add("heap");
        heap.HeapSnapshot.TypeRows.Add(new HeapTypeRow { Name = "System.String", LiveBytes = 2000, Objects = 20, RetainedBytes = 2000 });
        return [cpu, labelled, alloc, inuse, coverage, routes, heap];
    }

    private static readonly long[] Longs = [-1, 0, 1, 2, 255, int.MaxValue, (long)int.MaxValue + 1, (1L << 47) - 1, 1L << 47, (1L << 47) + 1, long.MaxValue / 2 + 1, long.MaxValue, long.MinValue];
    private static readonly uint[] Indexes = [0, 1, 2, 3, 7, 64, 255, 4096, int.MaxValue, (uint)int.MaxValue + 1, uint.MaxValue - 1, uint.MaxValue];
    private static readonly double[] Doubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, -1, 0, double.Epsilon, 0.5, 1, 60_000, 60_000.0001, 1e12, double.MaxValue, double.MinValue];
    private static readonly string[] Strings = ["", " ", "\0", "\n", "a\nb 99", "endpoint", "GET /x", "[not in a request]", "GET", "coverage", "heap", "cpu", "alloc", "inuse", "a/b", "/abs/path.cs", "../up.cs", "C:\\x.cs", "\uD800", "\uFFFF", new string('x', 4097), new string('y', 300)];

    private void Mutate(Batch b)
    {
        switch (_random.Next(24))
        {
            case 0 when b.Samples.Count > 0: Pick(b.Samples).Stack = Index(b.Stacks.Count); break;
            case 1 when b.Stacks.Count > 0: var s = Pick(b.Stacks); if (s.Locations.Count > 0) s.Locations[_random.Next(s.Locations.Count)] = Index(b.Locations.Count); else s.Locations.Add(Index(b.Locations.Count)); break;
            case 2 when b.Locations.Count > 0: Pick(b.Locations).Function = Index(b.Functions.Count); break;
            case 3 when b.Functions.Count > 0:
                var f = Pick(b.Functions);
                switch (_random.Next(3)) { case 0: f.Name = Index(b.Strings.Count); break; case 1: f.File = Index(b.Strings.Count); break; default: f.OriginalFile = Index(b.Strings.Count); break; }
                break;
            case 4 when b.Samples.Count > 0:
                var sample = Pick(b.Samples);
                var v = Longs[_random.Next(Longs.Length)];
                switch (_random.Next(6)) { case 0: sample.CpuSamples = v; break; case 1: sample.WallSamples = v; break; case 2: sample.AllocBytes = v; break; case 3: sample.AllocCount = v; break; case 4: sample.InuseBytes = v; break; default: sample.InuseCount = v; break; }
                break;
            case 5 when b.Samples.Count > 0: Pick(b.Samples).AllocatedType = Index(b.Strings.Count); break;
            case 6 when b.Samples.Count > 0: Pick(b.Samples).Labels.Add(new Label { Key = Index(b.Strings.Count), Value = Index(b.Strings.Count) }); break;
            case 7: b.SamplingIntervalMs = Doubles[_random.Next(Doubles.Length)]; break;
            case 8: MutateTimestamp(_random.Next(2) == 0 ? b.WindowStart ??= new Timestamp() : b.WindowEnd ??= new Timestamp()); break;
            case 9: if (_random.Next(2) == 0) b.WindowStart = null; else b.WindowEnd = null; break;
            case 10 when b.Locations.Count > 0: Pick(b.Locations).Line = Index(0); break;
            case 11 when b.Strings.Count > 0: b.Strings[_random.Next(b.Strings.Count)] = Strings[_random.Next(Strings.Length)]; break;
            case 12: b.Strings.Add(Strings[_random.Next(Strings.Length)]); break;
            case 13: RemoveOne(b); break;
            case 14: DuplicateOne(b); break;
            case 15: b.Kinds.Add(Strings[_random.Next(Strings.Length)]); break;
            case 16 when b.Kinds.Count > 0: b.Kinds.RemoveAt(_random.Next(b.Kinds.Count)); break;
            case 17: Cross(b); break;
            case 18: b.Sequence = _random.Next(4) == 0 ? 0 : (ulong)_random.NextInt64(); b.DroppedWindows = (uint)Index(0); break;
            case 19: b.Service = Strings[_random.Next(Strings.Length)]; break;
            case 20 when b.Coverage is not null: MutateCoverage(b.Coverage); break;
            case 21 when b.RouteMinutes.Count > 0: MutateRoute(Pick(b.RouteMinutes)); break;
            case 22 when b.HeapSnapshot is not null: MutateHeap(b.HeapSnapshot); break;
            case 23: b.Attribution = new Attribution { Method = Strings[_random.Next(Strings.Length)], Requests = Longs[_random.Next(Longs.Length)], SamplesInRequests = Longs[_random.Next(Longs.Length)], RequestsWithoutRoute = Longs[_random.Next(Longs.Length)] }; break;
            default: b.SamplingIntervalMs = Doubles[_random.Next(Doubles.Length)]; break;
        }
    }

    private void MutateTimestamp(Timestamp t)
    {
        switch (_random.Next(6))
        {
            case 0: t.Nanos = _random.Next(3) switch { 0 => -1, 1 => 1_000_000_000, _ => int.MinValue }; break;
            case 1: t.Seconds = _random.Next(3) switch { 0 => -62_135_596_801, 1 => 253_402_300_800, _ => long.MaxValue }; break;
            case 2: t.Seconds = _random.Next(2) == 0 ? -62_135_596_800 : 253_402_300_799; break;
            case 3: t.Seconds += _random.Next(-100_000, 100_000); break;
            case 4: t.Seconds = 0; t.Nanos = 0; break;
            default: t.Seconds = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow).Seconds + _random.Next(-600, 3600); break;
        }
    }

    private void MutateCoverage(CoverageRun run)
    {
        switch (_random.Next(6))
        {
            case 0 when run.Files.Count > 0: Pick(run.Files).Executable.Add(Index(0)); break;
            case 1 when run.Files.Count > 0: Pick(run.Files).MissedCertain.Add(Index(0)); break;
            case 2 when run.Files.Count > 0: Pick(run.Files).Path = Strings[_random.Next(Strings.Length)]; break;
            case 3 when run.Modules.Count > 0: Pick(run.Modules).Methods = (int)Longs[_random.Next(Longs.Length)]; break;
            case 4: run.ProcessStart = run.ProcessStart is null ? new Timestamp() : null; if (run.ProcessStart is not null) MutateTimestamp(run.ProcessStart); break;
            default: if (run.Modules.Count > 0 && Pick(run.Modules).DeadMethods is { Count: > 0 } dead) Pick(dead).Line = Index(0); break;
        }
    }

    private void MutateRoute(RouteMinute r)
    {
        switch (_random.Next(5))
        {
            case 0: MutateTimestamp(r.Minute ??= new Timestamp()); break;
            case 1: r.Requests = Longs[_random.Next(Longs.Length)]; break;
            case 2: r.P99Ms = Doubles[_random.Next(Doubles.Length)]; break;
            case 3: r.Route = Strings[_random.Next(Strings.Length)]; break;
            default: r.Minute = null; break;
        }
    }

    private void MutateHeap(HeapSnapshot h)
    {
        switch (_random.Next(4))
        {
            case 0: h.LiveBytes = Longs[_random.Next(Longs.Length)]; break;
            case 1 when h.TypeRows.Count > 0: Pick(h.TypeRows).LiveBytes = Longs[_random.Next(Longs.Length)]; break;
            case 2: h.TypeRows.Add(new HeapTypeRow { Name = Strings[_random.Next(Strings.Length)], LiveBytes = Longs[_random.Next(Longs.Length)] }); break;
            default: h.OtherBytes = Longs[_random.Next(Longs.Length)]; break;
        }
    }

    /// <summary>Gives a batch of one shape another shape's part (a window with coverage, route minutes with samples…).</summary>
    private void Cross(Batch b)
    {
        var other = _seeds[_random.Next(_seeds.Length)];
        switch (_random.Next(4))
        {
            case 0: b.Coverage = other.Coverage?.Clone(); break;
            case 1: b.HeapSnapshot = other.HeapSnapshot?.Clone(); break;
            case 2: b.RouteMinutes.AddRange(other.RouteMinutes.Select(r => r.Clone())); break;
            default: b.Samples.AddRange(other.Samples.Select(s => s.Clone())); break;
        }
    }

    private void RemoveOne(Batch b)
    {
        switch (_random.Next(5))
        {
            case 0 when b.Strings.Count > 0: b.Strings.RemoveAt(_random.Next(b.Strings.Count)); break;
            case 1 when b.Functions.Count > 0: b.Functions.RemoveAt(_random.Next(b.Functions.Count)); break;
            case 2 when b.Locations.Count > 0: b.Locations.RemoveAt(_random.Next(b.Locations.Count)); break;
            case 3 when b.Stacks.Count > 0: b.Stacks.RemoveAt(_random.Next(b.Stacks.Count)); break;
            default: b.Samples.Clear(); break;
        }
    }

    private void DuplicateOne(Batch b)
    {
        switch (_random.Next(4))
        {
            case 0 when b.Samples.Count > 0: b.Samples.Add(Pick(b.Samples).Clone()); break;
            case 1 when b.Stacks.Count > 0: var s = Pick(b.Stacks); var n = s.Locations.Count; for (var i = 0; i < n && s.Locations.Count < 2000; i++) s.Locations.Add(s.Locations[i]); break;
            case 2 when b.Functions.Count > 0: b.Functions.Add(Pick(b.Functions).Clone()); break;
            default: for (var i = 0; i < 50; i++) b.Samples.Add(new Sample { Stack = Index(b.Stacks.Count), CpuSamples = Longs[_random.Next(Longs.Length)] }); break;
        }
    }

    /// <summary>An index near the table's end (in or just out of range) or an extreme one.</summary>
    private uint Index(int count) => _random.Next(3) switch
    {
        0 when count > 0 => (uint)_random.Next(count),
        1 => (uint)(count + _random.Next(3)),
        _ => Indexes[_random.Next(Indexes.Length)],
    };

    private T Pick<T>(IList<T> list) => list[_random.Next(list.Count)];

    private byte[] Damage(byte[] bytes)
    {
        if (bytes.Length == 0) return RandomBytes(8);
        switch (_random.Next(3))
        {
            case 0: return bytes[.._random.Next(bytes.Length)];
            case 1:
                for (var i = 0; i < 1 + _random.Next(4); i++) bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
                return bytes;
            default:
                var at = _random.Next(bytes.Length);
                return [.. bytes[..at], .. RandomBytes(1 + _random.Next(16)), .. bytes[at..]];
        }
    }

    private byte[] RandomBytes(int n)
    {
        var bytes = new byte[n];
        _random.NextBytes(bytes);
        return bytes;
    }
}

/// <summary>One fuzz input: the encoded batch as the gateway would receive it.</summary>
public sealed record FuzzCase(byte[] Bytes);
