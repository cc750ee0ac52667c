namespace FleetProfiler.Profiles.Tests;

/// <summary>Trees stored with frame ids into a service's <see cref="FrameDictionary"/> (codec flags bit 2).</summary>
public class FrameDictionaryCodecTests
{
    private static CallTree Sample()
    {
        var tree = new CallTree();
        tree.Add([new Frame("app!Main(string[])", "src/Program.cs", 12), new Frame("app!Work()", "src/Work.cs", 7)], new SampleValues(5, 9, 4096, 2));
        tree.Add([new Frame("app!Main(string[])", "src/Program.cs", 12), new Frame("Ünïcødé.方法()")], SampleValues.Wall(3));
        tree.Add([new Frame("app!Main(string[])", "src/Program.cs", 12)], new SampleValues(-1, long.MaxValue, long.MinValue, 0));
        return tree;
    }

    /// <summary>Stacks as a profiler sees them: long names from a pool of functions, shared prefixes, small counts.</summary>
    private static CallTree Realistic()
    {
        var rng = new Random(3);
        var functions = Enumerable.Range(0, 300)
            .Select(i => new Frame($"App.Module{i % 7}!App.Module{i % 7}.Feature{i % 13}.Handler{i}Service.Handle{i}Async(System.Threading.CancellationToken)", $"src/App/Module{i % 7}/Handler{i}Service.cs", 10 + i % 40))
            .ToArray();
        var tree = new CallTree();
        for (int s = 0; s < 400; s++)
        {
            var stack = new Frame[12];
            for (int d = 0; d < stack.Length; d++) stack[d] = functions[d < 4 ? d : rng.Next(functions.Length)];
            tree.Add(stack, SampleValues.Cpu(1 + rng.Next(5)));
        }
        return tree;
    }

    private static CallTree Repetitive()
    {
        var tree = new CallTree();
        for (int i = 0; i < 2000; i++) tree.AddCpu($"System.Threading.ThreadPoolWorkQueue.Dispatch();App.Handler{i % 50}.Handle(Request);Leaf{i}", i);
        return tree;
    }

    /// <summary>A dictionary that already numbers a few other frames, then every frame of <paramref name="trees"/>.</summary>
    private static FrameDictionary DictionaryOf(params CallTree[] trees)
    {
        var d = new FrameDictionary();
        d.Append(0, [Frame.Other, new Frame("unrelated!A()"), new Frame("unrelated!B()", "b.cs", 3)]);
        foreach (var t in trees) d.Append(d.Count, [.. CallTreeCodec.FramesUsed(t).Where(f => d.IdOf(f) < 0)]);
        return d;
    }

    [Fact]
    public void A_tree_round_trips_through_its_dictionary_and_does_not_decode_without_it()
    {
        var tree = Sample();
        var dictionary = DictionaryOf(tree);
        byte[] bytes = CallTreeCodec.SerializeCompact(tree, dictionary.IdsOf(tree, out _));
        Assert.True(CallTreeCodec.UsesDictionary(bytes));
        Assert.Equal(4, bytes[5] & 4);
        var decoded = CallTreeCodec.Deserialize(bytes, dictionary);
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(decoded));
        Assert.Equal(tree.Total, decoded.Total);
        Assert.Equal(tree.NodeCount, decoded.NodeCount);
        var e = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(bytes));
        Assert.Contains("dictionary", e.Message);
        // Already compact: the store keeps such bytes as they are.
        Assert.Same(bytes, CallTreeCodec.Compact(bytes));
    }

    [Fact]
    public void A_tree_with_gauges_keeps_its_version_and_values()
    {
        var tree = new CallTree();
        tree.Add([new Frame("app!Cache.Fill()"), new Frame("[alloc] System.Byte[]")], new SampleValues(0, 0, 0, 0, 4096, 3));
        tree.Add([new Frame("app!Cache.Fill()")], new SampleValues(7, 0, 100, 1, -5, 0));
        var dictionary = DictionaryOf(tree);
        byte[] bytes = CallTreeCodec.SerializeCompact(tree, dictionary.IdsOf(tree, out _));
        Assert.Equal(CallTreeCodec.CurrentVersion, bytes[4]);
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(CallTreeCodec.Deserialize(bytes, dictionary)));
    }

    [Fact]
    public void Frame_ids_make_a_tree_at_least_twice_smaller_than_the_self_contained_compact_form()
    {
        var tree = Realistic();
        var dictionary = DictionaryOf(tree);
        int selfContained = CallTreeCodec.SerializeCompact(tree).Length;
        byte[] ids = CallTreeCodec.SerializeCompact(tree, dictionary.IdsOf(tree, out _));
        Assert.Equal(6, ids[5]);   // dictionary and Brotli
        Assert.True(ids.Length * 2 < selfContained, $"{ids.Length} bytes with ids, {selfContained} self-contained");
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(CallTreeCodec.Deserialize(ids, dictionary)));
    }

    [Fact]
    public void A_tree_using_a_frame_the_dictionary_lacks_is_written_self_contained()
    {
        var tree = Sample();
        var dictionary = DictionaryOf(tree);
        tree.AddCpu("app!Main(string[]);app!New()", 1);
        byte[] bytes = CallTreeCodec.SerializeCompact(tree, dictionary.IdsOf(tree, out _));
        Assert.False(CallTreeCodec.UsesDictionary(bytes));
        Assert.Equal(CallTreeCodec.SerializeCompact(tree), bytes);
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(CallTreeCodec.Deserialize(bytes)));
    }

    [Fact]
    public void Only_the_frames_the_nodes_use_are_needed()
    {
        var tree = Sample();
        tree.Frames.Intern("app!NeverCalled()");
        Assert.DoesNotContain(new Frame("app!NeverCalled()"), CallTreeCodec.FramesUsed(tree));
        Assert.Equal(3, CallTreeCodec.FramesUsed(tree).Count);   // Main, Work and the Unicode leaf
        Assert.True(CallTreeCodec.UsesDictionary(CallTreeCodec.SerializeCompact(tree, DictionaryOf(Sample()).IdsOf(tree, out _))));
    }

    [Fact]
    public void A_frame_id_past_the_dictionary_is_rejected()
    {
        var tree = Sample();
        var full = DictionaryOf(tree);
        byte[] bytes = CallTreeCodec.SerializeCompact(tree, full.IdsOf(tree, out _));
        var shorter = new FrameDictionary();
        shorter.Append(0, [.. Enumerable.Range(0, full.Count - 1).Select(i => full[i])]);
        var e = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(bytes, shorter));
        Assert.Contains("not in the service's frame dictionary", e.Message);
    }

    [Fact]
    public void Every_truncation_and_bit_flip_of_a_dictionary_tree_is_rejected()
    {
        var tree = Sample();
        var dictionary = DictionaryOf(tree);
        byte[] blob = CallTreeCodec.SerializeCompact(tree, dictionary.IdsOf(tree, out _));
        for (int length = 0; length < blob.Length; length++)
            Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(blob.AsSpan(0, length), dictionary));
        for (int bit = 0; bit < blob.Length * 8; bit++)
        {
            byte[] copy = (byte[])blob.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(copy, dictionary));
        }
    }

    /// <summary>Garbage bodies that pass the checksum reach the column parser: it must fail cleanly or build a real tree.</summary>
    [Fact]
    public void Garbage_dictionary_bodies_with_a_valid_checksum_fail_cleanly()
    {
        var random = new Random(7);
        var tree = Repetitive();
        var dictionary = DictionaryOf(tree);
        byte[] plainIds = PlainBodyOf(tree, dictionary);
        int rejected = 0;
        for (int i = 0; i < 3000; i++)
        {
            byte[] body = new byte[random.Next(0, 120)];
            random.NextBytes(body);
            if (i % 3 == 0)
            {
                body = (byte[])plainIds.Clone();
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }
            CallTree decoded;
            try { decoded = CallTreeCodec.Deserialize(Framed(body), dictionary); }
            catch (ProfileDataException) { rejected++; continue; }
            Assert.Equal(TestTrees.Canonical(decoded), TestTrees.Canonical(CallTreeCodec.Deserialize(CallTreeCodec.SerializeCompact(decoded, dictionary.IdsOf(decoded, out _)), dictionary)));
        }
        Assert.True(rejected > 0, "no garbage body was rejected: the parser checks nothing");
    }

    [Fact]
    public void The_dictionary_appends_committed_frames_once_and_refuses_a_different_frame_under_a_known_id()
    {
        var d = new FrameDictionary();
        Assert.Equal(2, d.Append(0, [new Frame("a"), new Frame("b", "b.cs", 2)]));
        // The same ids again (another reader caught up first): nothing new.
        Assert.Equal(1, d.Append(1, [new Frame("b", "b.cs", 2), new Frame("c")]));
        Assert.Equal(3, d.Count);
        Assert.Equal(2, d.IdOf(new Frame("c")));
        Assert.Equal(-1, d.IdOf(new Frame("b")));
        // A gap (ids before it unknown here) is not appended: the next catch-up from the store fills it.
        Assert.Equal(0, d.Append(5, [new Frame("f")]));
        Assert.Equal(-1, d.IdOf(new Frame("f")));
        Assert.Throws<InvalidOperationException>(() => d.Append(0, [new Frame("not a")]));
        Assert.Throws<ArgumentOutOfRangeException>(() => d[3]);
        Assert.Equal(new Frame("b", "b.cs", 2), d[1]);
    }

    [Fact]
    public async Task Readers_see_every_frame_whose_id_they_were_given_while_a_writer_appends()
    {
        var d = new FrameDictionary();
        const int total = 50_000;
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < total; i += 100)
                d.Append(i, [.. Enumerable.Range(i, 100).Select(k => new Frame($"f{k}", null, k))]);
        });
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (d.Count < total)
            {
                int count = d.Count;
                if (count == 0) continue;
                int id = count - 1;
                Assert.Equal(new Frame($"f{id}", null, id), d[id]);
                Assert.Equal(id, d.IdOf(new Frame($"f{id}", null, id)));
            }
        })).ToArray();
        await Task.WhenAll([writer, .. readers]);
        Assert.Equal(total, d.Count);
    }

    /// <summary>The uncompressed body of a dictionary encoding (flags 4 only), from a frame written with it.</summary>
    private static byte[] PlainBodyOf(CallTree tree, FrameDictionary dictionary)
    {
        byte[] bytes = CallTreeCodec.SerializeCompact(tree, dictionary.IdsOf(tree, out _));
        int header = 6;
        while (bytes[header] >= 0x80) header++;
        var payload = bytes[(header + 1)..^4];
        if ((bytes[5] & 2) == 0) return payload;
        var body = new byte[4 * 1024 * 1024];
        Assert.True(System.IO.Compression.BrotliDecoder.TryDecompress(payload, body, out int written));
        return body[..written];
    }

    private static byte[] Framed(byte[] body)
    {
        var blob = new List<byte>("FPCT"u8.ToArray()) { CallTreeCodec.CountersOnlyVersion, 4 };
        uint length = (uint)body.Length;
        while (length >= 0x80) { blob.Add((byte)(length | 0x80)); length >>= 7; }
        blob.Add((byte)length);
        blob.AddRange(body);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.Compute(blob.ToArray()));
        blob.AddRange(crc);
        return blob.ToArray();
    }

    [Fact]
    public void Ids_looked_up_once_give_the_same_bytes_and_name_what_is_missing()
    {
        var tree = Realistic();
        var dictionary = DictionaryOf(tree);
        int[] ids = dictionary.IdsOf(tree, out int missing);
        Assert.Equal(0, missing);
        Assert.Equal(tree.Frames.Count, ids.Length);
        var used = CallTreeCodec.FramesUsed(tree).ToHashSet();
        for (int f = 0; f < ids.Length; f++)
            Assert.Equal(used.Contains(tree.Frames[f]) ? dictionary.IdOf(tree.Frames[f]) : -1, ids[f]);
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(CallTreeCodec.Deserialize(CallTreeCodec.SerializeCompact(tree, ids), dictionary)));

        // A dictionary without two of the used frames: counted, -1, and the tree is written self-contained.
        var partial = new FrameDictionary();
        var all = CallTreeCodec.FramesUsed(tree);
        partial.Append(0, [.. all.Take(all.Count - 2)]);
        int[] some = partial.IdsOf(tree, out int absent);
        Assert.Equal(2, absent);
        Assert.Equal(2, some.Count(id => id < 0) - (tree.Frames.Count - all.Count));
        byte[] bytes = CallTreeCodec.SerializeCompact(tree, some);
        Assert.False(CallTreeCodec.UsesDictionary(bytes));
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(CallTreeCodec.Deserialize(bytes)));
        Assert.Throws<ArgumentException>(() => CallTreeCodec.SerializeCompact(tree, new int[ids.Length + 1]));
    }

    [Fact]
    public void A_hint_gives_the_same_ids_remembers_the_found_ones_and_takes_them_without_a_lookup()
    {
        var tree = Sample();
        var dictionary = DictionaryOf(tree);
        var known = new KnownFrameIds();
        // Keys 10, 11, …: one per frame of the table.
        var keys = Enumerable.Range(10, tree.Frames.Count).ToArray();
        var hint = new FrameIdHint(known, keys);
        Assert.Equal(dictionary.IdsOf(tree, out _), dictionary.IdsOf(tree, null, out int missing, hint));
        Assert.Equal(0, missing);
        Assert.Equal(tree.Frames.Count, known.Count);

        // The next window of the source: a key remembered is taken as it is (keys name the same frame in every window,
        // so a lookup would find the same id), shown here with a frame the dictionary does not have.
        var next = new CallTree();
        next.Add([new Frame("not!InTheDictionary()")], SampleValues.Cpu(1));
        int rememberedKey = keys[tree.Frames.Count - 1];
        int[] ids = dictionary.IdsOf(next, null, out missing, new FrameIdHint(known, [rememberedKey]));
        Assert.Equal((0, dictionary.IdsOf(tree, out _)[tree.Frames.Count - 1]), (missing, ids[0]));

        // Without a key, or with a key not remembered, the frame is looked up: missing, and not remembered.
        var missingFrames = new List<int>();
        Assert.Equal(-1, dictionary.IdsOf(next, missingFrames, out missing, new FrameIdHint(known, [-1]))[0]);
        Assert.Equal((1, 0), (missing, missingFrames.Single()));
        Assert.Equal(-1, dictionary.IdsOf(next, null, out missing, new FrameIdHint(known, [3]))[0]);
        Assert.Equal((1, tree.Frames.Count), (missing, known.Count));

        // Another dictionary (a store that started over) forgets what was remembered for the first.
        var other = DictionaryOf(tree);
        other.Append(other.Count, [new Frame("not!InTheDictionary()")]);
        Assert.Equal(other.Count - 1, other.IdsOf(next, null, out missing, new FrameIdHint(known, [rememberedKey]))[0]);
        Assert.Equal((0, 1), (missing, known.Count));
    }

    [Fact]
    public void Keys_past_the_bound_are_looked_up_and_never_remembered()
    {
        var tree = Sample();
        var dictionary = DictionaryOf(tree);
        var known = new KnownFrameIds();
        var keys = Enumerable.Repeat(KnownFrameIds.MaxKey, tree.Frames.Count).ToArray();
        Assert.Equal(dictionary.IdsOf(tree, out _), dictionary.IdsOf(tree, null, out int missing, new FrameIdHint(known, keys)));
        Assert.Equal((0, 0), (missing, known.Count));
        keys[0] = KnownFrameIds.MaxKey - 1;
        dictionary.IdsOf(tree, null, out _, new FrameIdHint(known, keys));
        Assert.Equal(1, known.Count);
    }
}
