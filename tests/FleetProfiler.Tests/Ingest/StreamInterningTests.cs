using FleetProfiler.Gateway.Ingest;
using FleetProfiler.Profiles;
using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;

namespace FleetProfiler.Tests.Ingest;

/// <summary>Stream interning both ways (docs/protocol.md, "Stream interning"): the agent's encoder and the gateway's dictionary.</summary>
public sealed class StreamInterningTests
{
    private const long Cap = BatchLimitDefaults.MaxDictionaryBytes;

    /// <summary>
    /// Window <paramref name="k"/> of a service, in canonical order: 30 stacks of 8 frames (stacks 3k … 3k + 29, so 3 of
    /// them new since window k − 1), each function at a fixed line; under the test platform's 64 KB batch limit.
    /// </summary>
    internal static Batch Window(ulong sequence, string service, int k, string host = "host-a")
    {
        var b = TestBatches.Cpu(sequence, service, host, TestBatches.Epoch.AddSeconds(10 * k));
        var strings = new Dictionary<string, uint> { [""] = 0 };
        var functions = new Dictionary<string, uint>();
        var locations = new Dictionary<(uint, uint), uint>();
        uint Str(string text)
        {
            if (!strings.TryGetValue(text, out var id))
            {
                strings[text] = id = (uint)b.Strings.Count;
                b.Strings.Add(text);
            }
            return id;
        }
        for (var j = 3 * k; j < 3 * k + 30; j++)
        {
            var stack = new Stack();
            for (var i = 0; i < 8; i++)
            {
                var (module, type, method) = (i % 4, (j * 7 + i) % 40, (j + i) % 30);
                var name = $"Orders.Api!Orders.Api.Handlers{module}.Handler{type}.HandleRequestAsync{method}(System.String, System.Threading.CancellationToken)";
                if (!functions.TryGetValue(name, out var function))
                {
                    var f = new Function { Name = Str(name), File = Str($"src/Orders.Api/Handlers{module}/Handler{type}.cs") };
                    b.Functions.Add(f);
                    functions[name] = function = (uint)b.Functions.Count - 1;
                }
                var line = (uint)(10 + method);
                if (!locations.TryGetValue((function, line), out var location))
                {
                    b.Locations.Add(new Location { Function = function, Line = line });
                    locations[(function, line)] = location = (uint)b.Locations.Count - 1;
                }
                stack.Locations.Add(location);
            }
            b.Samples.Add(new Sample { Stack = (uint)b.Stacks.Count, CpuSamples = j % 7 + 1, WallSamples = j % 7 + 2 });
            b.Stacks.Add(stack);
        }
        return b;
    }

    private static StreamDictionary Gateway(long cap = Cap) => new(cap, BatchLimitDefaults.MaxStringLength, BatchLimitDefaults.MaxFramesPerStack);

    [Fact]
    public void Interned_windows_expand_to_the_self_contained_batches()
    {
        var agent = new StreamInterner(Cap);
        var gateway = Gateway();
        for (var k = 0; k < 5; k++)
        {
            var original = Window((ulong)k + 1, "orders", k);
            var wire = agent.Encode(original);

            Assert.NotNull(wire.Interning);
            Assert.Null(gateway.Expand(wire, out var expanded));
            Assert.Equal(original, expanded);
            Assert.Equal(original.ToByteArray(), expanded!.ToByteArray());
            Assert.Equal(agent.DictionaryBytes, gateway.Bytes);
        }
    }

    [Fact]
    public void A_later_window_sends_only_its_new_entries()
    {
        var agent = new StreamInterner(Cap);
        var first = agent.Encode(Window(1, "orders", 0));
        var second = agent.Encode(Window(2, "orders", 1));
        var again = agent.Encode(Window(3, "orders", 1));

        Assert.Equal(new Interning(), first.Interning);
        Assert.Equal((uint)first.Strings.Count, second.Interning.StringsBase);
        Assert.Equal((uint)first.Stacks.Count, second.Interning.StacksBase);
        Assert.Equal(3, second.Stacks.Count);
        Assert.True(second.Strings.Count < first.Strings.Count / 2, $"{second.Strings.Count} new strings of {first.Strings.Count}");
        // The same content again: nothing new at all, the samples refer to ids only.
        Assert.Empty(again.Strings);
        Assert.Empty(again.Functions);
        Assert.Empty(again.Locations);
        Assert.Empty(again.Stacks);
        Assert.Equal(30, again.Samples.Count);
        var full = Window(3, "orders", 1).CalculateSize();
        Assert.True(again.CalculateSize() * 10 < full, $"interned {again.CalculateSize()} bytes, self-contained {full}");
    }

    [Fact]
    public void Allocation_and_labelled_samples_round_trip()
    {
        var agent = new StreamInterner(Cap);
        var gateway = Gateway();
        var alloc = TestBatches.Alloc(1, "orders", "host-a", TestBatches.Epoch, ("main;parse", "System.String", 4096, 3), ("main;load", "System.Byte[]", 100, 1));
        // One sample, so the endpoint strings come last in the batch as in a canonical walk; a build path on its function.
        var labelled = InternedWindowTranslatorTests.Labelled(2);

        foreach (var original in new[] { alloc, labelled })
        {
            var wire = agent.Encode(original);
            Assert.NotNull(wire.Interning);
            Assert.Null(gateway.Expand(wire, out var expanded));
            Assert.Equal(original, expanded);
        }
    }

    [Fact]
    public void A_batch_not_in_canonical_order_is_sent_self_contained_and_leaves_the_dictionary_alone()
    {
        var agent = new StreamInterner(Cap);
        agent.Encode(Window(1, "orders", 0));
        var before = agent.DictionaryBytes;
        // Two samples labelled after the fact: the label strings sit after the second sample's strings.
        var labelled = TestBatches.Cpu(2, "orders", "host-a", TestBatches.Epoch, ("main;a", 1), ("main;b", 2)).WithEndpoints("GET /a", "GET /b");
        var unreferenced = Window(3, "orders", 0);
        unreferenced.Strings.Add("never used");

        Assert.Same(labelled, agent.Encode(labelled));
        Assert.Same(unreferenced, agent.Encode(unreferenced));
        Assert.Equal(before, agent.DictionaryBytes);
        // Route minutes, coverage and heap snapshots carry no tables: always as they are.
        var routes = new Batch { Sequence = 4, Service = "orders" };
        Assert.Same(routes, agent.Encode(routes));
    }

    [Fact]
    public void A_reference_to_an_unknown_id_is_refused_naming_the_field_and_changes_nothing()
    {
        var agent = new StreamInterner(Cap);
        var gateway = Gateway();
        Assert.Null(gateway.Expand(agent.Encode(Window(1, "orders", 0)), out _));
        var bytes = gateway.Bytes;
        var next = agent.Encode(Window(2, "orders", 1));

        var cases = new (Action<Batch> Break, string Field)[]
        {
            (b => b.Samples[3].Stack = 100_000, "samples[3].stack 100000 is not an id of the stream's dictionary"),
            (b => b.Stacks[0].Locations[2] = 100_000, "stacks[0].locations 100000"),
            (b => b.Functions[0].Name = 100_000, "functions[0].name 100000"),
            (b => b.Locations[0].Function = 100_000, "locations[0].function 100000"),
            (b => b.Samples[0].AllocatedType = 100_000, "samples[0].allocated_type"),
            (b => b.Samples[0].Labels.Add(new Label { Key = 1, Value = 100_000 }), "samples[0].labels.value"),
            (b => b.Interning.StringsBase++, "interning.strings_base"),
            (b => b.Interning.StacksBase--, "interning.stacks_base"),
        };
        foreach (var (breakIt, field) in cases)
        {
            var bad = next.Clone();
            breakIt(bad);
            var error = gateway.Expand(bad, out var expanded);
            Assert.Contains(field, error);
            Assert.Null(expanded);
            Assert.Equal(bytes, gateway.Bytes);
        }
        // The stream goes on: the intact batch still expands against the unchanged dictionary.
        Assert.Null(gateway.Expand(next, out var ok));
        Assert.Equal(Window(2, "orders", 1), ok);
    }

    [Fact]
    public void A_batch_over_the_dictionary_cap_is_refused_naming_max_dictionary_bytes()
    {
        var wire = new StreamInterner(Cap).Encode(Window(1, "orders", 0));
        var gateway = Gateway(cap: 1000);

        Assert.Contains("over max_dictionary_bytes (1000)", gateway.Expand(wire, out _));
        Assert.Equal(0, gateway.Bytes);
        Assert.Contains("does not intern", Gateway(cap: 0).Expand(wire, out _));
    }

    [Fact]
    public void Near_the_cap_the_agent_starts_a_new_dictionary_and_the_gateway_follows()
    {
        // Room for about two first windows' entries; every window brings 30 new stacks, so the dictionary starts again.
        var probe = new StreamInterner(Cap);
        probe.Encode(Window(1, "orders", 0));
        var cap = 2 * probe.DictionaryBytes;
        var agent = new StreamInterner(cap);
        var gateway = Gateway(cap);
        var restarts = 0;
        for (var k = 0; k < 40; k++)
        {
            var original = Window((ulong)k + 1, "orders", 10 * k);
            var wire = agent.Encode(original);
            if (k > 0 && wire.Interning.Equals(new Interning())) restarts++;

            Assert.Null(gateway.Expand(wire, out var expanded));
            Assert.Equal(original, expanded);
            Assert.InRange(gateway.Bytes, 1, cap);
        }
        Assert.InRange(restarts, 1, 39);
    }

    [Fact]
    public void After_a_rejection_the_agent_starts_a_new_dictionary()
    {
        var agent = new StreamInterner(Cap);
        agent.Encode(Window(1, "orders", 0));
        agent.Reset();

        var wire = agent.Encode(Window(2, "orders", 1));

        Assert.Equal(new Interning(), wire.Interning);
        // A gateway that already held another dictionary drops it for the new one.
        var gateway = Gateway();
        Assert.Null(gateway.Expand(new StreamInterner(Cap).Encode(Window(9, "orders", 7)), out _));
        Assert.Null(gateway.Expand(wire, out var expanded));
        Assert.Equal(Window(2, "orders", 1), expanded);
        Assert.Equal(agent.DictionaryBytes, gateway.Bytes);
    }

    [Fact]
    public void An_interned_batch_translates_to_the_same_call_tree_and_is_validated_as_expanded()
    {
        var agent = new StreamInterner(Cap);
        var gateway = Gateway();
        gateway.Expand(agent.Encode(Window(1, "orders", 0)), out _);
        var original = Window(2, "orders", 1);
        gateway.Expand(agent.Encode(original), out var expanded);

        Assert.Equal(CallTreeCodec.Serialize(BatchTranslator.ToTree(original)), CallTreeCodec.Serialize(BatchTranslator.ToTree(expanded!)));
        Assert.Null(BatchValidator.Validate(expanded!, new BatchLimits()));
    }
}
