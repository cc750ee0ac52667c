using FleetProfiler.Benchmarks.Workload;
using FleetProfiler.Gateway.Ingest;
using FleetProfiler.Profiles;
using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using Xunit.Abstractions;

namespace FleetProfiler.Tests.Ingest;

/// <summary>
/// The gateway's direct translation of interned windows (<see cref="InternedWindowTranslator"/>) against the reference
/// way (expand into the self-contained batch, then <see cref="PreparedBatch.Prepare"/>): the same upload, byte for byte,
/// or no answer at all so that the reference way decides.
/// </summary>
public sealed class InternedWindowTranslatorTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = TestBatches.Epoch.AddMinutes(1);

    private static StreamDictionary Gateway(BatchLimits limits) => new(limits.MaxDictionaryBytes, limits.MaxStringLength, limits.MaxFramesPerStack);

    /// <summary>One stream at the gateway, translated both ways: the direct way and, on its own dictionary, the reference way.</summary>
    private sealed class Stream(BatchLimits limits)
    {
        private readonly StreamInterner _agent = new(limits.MaxDictionaryBytes);
        private readonly StreamDictionary _direct = Gateway(limits), _reference = Gateway(limits);
        private readonly InternedWindowTranslator _translator = new();

        public StreamDictionary Dictionary => _direct;

        public StreamInterner Agent => _agent;

        public (PreparedBatch? Direct, PreparedBatch Reference) Send(Batch batch)
        {
            var wire = _agent.Encode(batch);
            Assert.NotNull(wire.Interning);
            Assert.Null(_direct.Admit(wire));
            var direct = _translator.TryPrepare(wire, _direct, limits, Now, "agent-a");
            Assert.Null(_reference.Expand(wire.Clone(), out var expanded));
            return (direct, PreparedBatch.Prepare(expanded!, limits, Now, "agent-a"));
        }
    }

    private static void AssertSameUpload(PreparedBatch? direct, PreparedBatch reference)
    {
        Assert.NotNull(direct);
        Assert.Null(reference.Error);
        Assert.Null(direct.Error);
        Assert.Equal(reference.Window!.Tree, direct.Window!.Tree);
        Assert.Equal(reference.Window with { Tree = [], SourcePaths = null }, direct.Window with { Tree = [], SourcePaths = null });
        Assert.Equal(reference.Window.SourcePaths, direct.Window.SourcePaths);
        Assert.Equal(reference.WindowTotal, direct.WindowTotal);
    }

    private static Batch BenchmarkWindow(WindowFactory factory, Random rng, ulong sequence)
    {
        var (batch, _) = factory.BuildBatch(rng);
        batch.MergeFrom(TestBatches.Header(sequence, "svc00", "host-a", TestBatches.Epoch.AddSeconds(10 * (int)sequence), TestBatches.Epoch.AddSeconds(10 * (int)sequence + 10)));
        return batch;
    }

    [Fact]
    public void Benchmark_windows_translate_straight_from_the_dictionary_into_the_uploads_of_their_expansions()
    {
        var factory = new WindowFactory(new StackPool("svc00", seed: 1000));
        var rng = new Random(7);
        var stream = new Stream(new BatchLimits());
        for (ulong sequence = 1; sequence <= 5; sequence++)
        {
            var (direct, reference) = stream.Send(BenchmarkWindow(factory, rng, sequence));
            AssertSameUpload(direct, reference);
            Assert.True(reference.Window!.Tree.Length > 100_000, $"a benchmark window's tree is {reference.Window.Tree.Length} bytes");
        }
    }

    [Fact]
    public void The_store_gets_each_frame_keyed_by_its_stream_location_and_one_memory_per_dictionary()
    {
        var factory = new WindowFactory(new StackPool("svc00", seed: 1000));
        var rng = new Random(11);
        var stream = new Stream(new BatchLimits());
        var memories = new List<KnownFrameIds>();
        for (ulong sequence = 1; sequence <= 4; sequence++)
        {
            if (sequence == 4) stream.Agent.Reset(); // the agent starts a new dictionary: its ids name other frames
            var (direct, reference) = stream.Send(BenchmarkWindow(factory, rng, sequence));
            AssertSameUpload(direct, reference);
            var tree = TreeHandoff.Decode(direct!.Window!.Tree, out var hint);
            Assert.NotNull(hint);
            Assert.Equal(tree.Frames.Count, hint.Keys.Length);
            var keyed = 0;
            for (var f = 0; f < hint.Keys.Length; f++)
            {
                if (hint.Keys[f] < 0) continue;
                keyed++;
                var (function, line) = stream.Dictionary.LocationAt((uint)hint.Keys[f]);
                var (name, file, _) = stream.Dictionary.FunctionAt(function);
                Assert.Equal(new Frame(stream.Dictionary.StringAt(name), file == 0 ? null : stream.Dictionary.StringAt(file), (int)line), tree.Frames[f]);
            }
            Assert.True(keyed > 1000, $"{keyed} of {tree.Frames.Count} frames keyed");
            memories.Add(hint.Known);
        }
        Assert.Equal(2, memories.Distinct().Count());
        Assert.Same(memories[0], memories[2]);
        Assert.NotSame(memories[2], memories[3]);
    }

    /// <summary>One labelled sample (its endpoint strings last, as in a canonical walk) whose function has a build path.</summary>
    internal static Batch Labelled(ulong sequence)
    {
        var labelled = TestBatches.Cpu(sequence, "orders", "host-a", TestBatches.Epoch, ("main;parse", 5)).WithEndpoints("GET /items/{id}");
        // A build path for the first function, at its place in the canonical order (after the function's file).
        labelled.Strings.Insert(3, "/build/src/main.cs");
        foreach (var f in labelled.Functions)
        {
            if (f.Name >= 3) f.Name++;
            if (f.File >= 3) f.File++;
        }
        foreach (var l in labelled.Samples[0].Labels)
        {
            l.Key++;
            l.Value++;
        }
        labelled.Functions[0].OriginalFile = 3;
        Assert.Null(BatchValidator.Validate(labelled, new BatchLimits()));
        return labelled;
    }

    [Fact]
    public void Allocation_types_endpoints_and_source_paths_translate_as_expanded()
    {
        var stream = new Stream(new BatchLimits());
        var (direct, reference) = stream.Send(TestBatches.Alloc(1, "orders", "host-a", TestBatches.Epoch, ("main;parse", "System.String", 4096, 3), ("main;load", "System.Byte[]", 100, 1)));
        AssertSameUpload(direct, reference);
        (direct, reference) = stream.Send(Labelled(2));
        AssertSameUpload(direct, reference);
        Assert.Equal("/build/src/main.cs", Assert.Single(direct!.Window!.SourcePaths!).Original);
    }

    [Fact]
    public void A_stream_of_small_windows_then_large_ones_translates_each_as_expanded()
    {
        // The tree is sized from the stream's last window: a much larger next window must still come out whole.
        var factory = new WindowFactory(new StackPool("svc00", seed: 1000));
        var rng = new Random(3);
        var stream = new Stream(new BatchLimits());
        var (small, smallReference) = stream.Send(StreamInterningTests.Window(1, "svc00", 0));
        AssertSameUpload(small, smallReference);
        for (ulong sequence = 2; sequence <= 3; sequence++)
        {
            var (direct, reference) = stream.Send(BenchmarkWindow(factory, rng, sequence));
            AssertSameUpload(direct, reference);
        }
        var (again, againReference) = stream.Send(StreamInterningTests.Window(4, "svc00", 1));
        AssertSameUpload(again, againReference);
    }

    // Not max_frames_per_stack nor max_string_length: the stream's dictionary refuses such entries when they arrive.
    public static TheoryData<string> Limits => ["max_strings", "max_stacks", "max_samples", "max_window_nodes", "max_batch_bytes", "max_value_sum"];

    [Theory]
    [MemberData(nameof(Limits))]
    public void A_window_at_a_limit_gets_no_direct_translation_and_the_reference_way_rejects_it(string limit)
    {
        var window = StreamInterningTests.Window(1, "orders", 0);
        var size = window.CalculateSize();
        var limits = new BatchLimits();
        switch (limit)
        {
            case "max_strings": limits.MaxStrings = window.Strings.Count - 1; break;
            case "max_stacks": limits.MaxStacks = window.Stacks.Count - 1; break;
            case "max_samples": limits.MaxSamples = window.Samples.Count - 1; break;
            case "max_window_nodes": limits.MaxWindowNodes = 10; break;
            case "max_batch_bytes": limits.MaxBatchBytes = size - 1; break;
            case "max_value_sum": limits.MaxValueSum = window.Samples.Sum(s => s.WallSamples) - 1; break;
        }
        var (direct, reference) = new Stream(limits).Send(window);

        Assert.Null(direct);
        Assert.Contains(limit, reference.Error);
    }

    [Fact]
    public void A_window_breaking_a_rule_gets_no_direct_translation_and_the_reference_way_names_the_rule()
    {
        var stream = new Stream(new BatchLimits());
        var negative = StreamInterningTests.Window(1, "orders", 0);
        negative.Samples[3].CpuSamples = -1;
        var (direct, reference) = stream.Send(negative);
        Assert.Null(direct);
        Assert.Equal("samples[3] has a negative value", reference.Error);

        var twoEndpoints = Labelled(2);
        twoEndpoints.Samples[0].Labels.Add(twoEndpoints.Samples[0].Labels[0].Clone());
        (direct, reference) = stream.Send(twoEndpoints);
        Assert.Null(direct);
        Assert.Contains("more than one 'endpoint' label", reference.Error);

        var late = StreamInterningTests.Window(3, "orders", 2);
        (direct, reference) = new Stream(new BatchLimits()).Send(late);
        AssertSameUpload(direct, reference);
        var translator = new InternedWindowTranslator();
        var dictionary = Gateway(new BatchLimits());
        var wire = new StreamInterner(BatchLimitDefaults.MaxDictionaryBytes).Encode(late);
        Assert.Null(dictionary.Admit(wire));
        // Past max_window_age: the header rules apply to the direct way too.
        Assert.Null(translator.TryPrepare(wire, dictionary, new BatchLimits(), Now.AddDays(30), "agent-a"));
    }

    [Fact]
    public void Mutated_interned_windows_are_translated_directly_only_when_the_reference_way_accepts_them_and_then_alike()
    {
        // Two gateways fed the same wire batches: one translates directly, the other expands (the reference way).
        var limits = new BatchLimits { MaxWindowNodes = 245, MaxSamples = 31, MaxValueSum = 1L << 20 };
        var agent = new StreamInterner(limits.MaxDictionaryBytes);
        StreamDictionary direct = Gateway(limits), reference = Gateway(limits);
        var translator = new InternedWindowTranslator();
        var random = new Random(20261207);
        int translated = 0, fellBack = 0, rejected = 0;
        for (var n = 0; n < 400; n++)
        {
            var wire = agent.Encode(n % 5 == 4 ? Labelled((ulong)n + 1) : StreamInterningTests.Window((ulong)n + 1, "orders", n % 6));
            Assert.NotNull(wire.Interning);
            Mutate(wire, random);
            var admitted = direct.Admit(wire);
            Assert.Equal(admitted, reference.Admit(wire.Clone()));
            if (admitted is not null)
            {
                agent.Reset();
                continue;
            }
            var expected = PreparedBatch.Prepare(reference.ExpandAdmitted(wire), limits, Now, "agent-a");
            var actual = translator.TryPrepare(wire, direct, limits, Now, "agent-a");
            if (actual is null)
            {
                fellBack++;
                if (expected.Error is not null) rejected++;
                continue;
            }
            AssertSameUpload(actual, expected);
            translated++;
        }
        output.WriteLine($"{translated} translated directly, {fellBack} fell back ({rejected} of them rejected), {400 - translated - fellBack} refused by the dictionary");
        Assert.True(translated > 100 && rejected > 50, $"{translated} translated directly, {fellBack} fell back ({rejected} of them rejected)");
    }

    /// <summary>Changes a few sample fields of an interned batch to other ids, values or labels (often breaking a rule).</summary>
    private static void Mutate(Batch wire, Random random)
    {
        if (random.Next(4) == 0) return;
        // The ids the dictionary will know once the batch is admitted, and one past them.
        var strings = wire.Interning.StringsBase + (uint)wire.Strings.Count;
        for (var m = random.Next(1, 4); m > 0; m--)
        {
            var s = wire.Samples[random.Next(wire.Samples.Count)];
            switch (random.Next(9))
            {
                case 0: s.CpuSamples = random.Next(3) == 0 ? -1 : random.NextInt64(1L << 21); break;
                case 1: s.WallSamples += random.Next(1000); break;
                case 2: s.Stack = (uint)random.Next((int)wire.Interning.StacksBase + wire.Stacks.Count + 1); break;
                case 3: s.AllocatedType = (uint)random.Next((int)strings + 1); break;
                case 4: (s.AllocBytes, s.AllocCount) = (random.Next(5000), random.Next(5)); break;
                case 5: (s.InuseBytes, s.InuseCount) = (random.Next(2) * random.Next(5000), random.Next(3)); break;
                case 6: s.Labels.Add(new Label { Key = (uint)random.Next((int)strings + 1), Value = (uint)random.Next((int)strings + 1) }); break;
                case 7: s.Labels.Add(s.Labels.Count > 0 ? s.Labels[0].Clone() : new Label()); break;
                case 8: wire.Samples.Add(s.Clone()); break;
            }
        }
    }
}
