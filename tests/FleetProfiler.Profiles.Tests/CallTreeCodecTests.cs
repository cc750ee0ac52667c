using System.Buffers.Binary;

namespace FleetProfiler.Profiles.Tests;

public class CallTreeCodecTests
{
    private static CallTree Sample()
    {
        var tree = new CallTree();
        tree.Add([new Frame("app!Main(string[])", "src/Program.cs", 12), new Frame("app!Work()", "src/Work.cs", 7)], new SampleValues(5, 9, 4096, 2));
        tree.Add([new Frame("app!Main(string[])", "src/Program.cs", 12), new Frame("Ünïcødé.方法()")], SampleValues.Wall(3));
        tree.Add([new Frame("app!Main(string[])", "src/Program.cs", 12)], new SampleValues(-1, long.MaxValue, long.MinValue, 0));
        return tree;
    }

    [Fact]
    public void Round_trip_keeps_frames_values_and_structure()
    {
        var tree = Sample();
        var decoded = CallTreeCodec.Deserialize(CallTreeCodec.Serialize(tree));
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(decoded));
        Assert.Equal(tree.Total, decoded.Total);
        Assert.Equal(tree.NodeCount, decoded.NodeCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    [InlineData(400)]
    public void Bodies_past_the_first_buffer_round_trip_in_every_encoding(int frames)
    {
        // Names far longer than the 96 bytes a frame is sized for: the pooled body grows; the lengths take 1-3 varint bytes.
        var tree = new CallTree();
        for (int i = 0; i < frames; i++) tree.Add([new Frame("Main"), new Frame(new string((char)('a' + i % 26), 300 + i), $"src/{i}.cs", i)], SampleValues.Cpu(i + 1));
        foreach (var bytes in new[] { CallTreeCodec.Serialize(tree), CallTreeCodec.Serialize(tree, compress: true), CallTreeCodec.SerializeCompact(tree) })
            Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(CallTreeCodec.Deserialize(bytes)));
    }

    [Fact]
    public void Only_frames_in_use_are_written()
    {
        var frames = new FrameTable();
        for (int i = 0; i < 1000; i++) frames.Intern($"unused{i}", "some/long/path/File.cs", i);
        var tree = new CallTree(frames).AddCpu("a;b", 1);
        var blob = CallTreeCodec.Serialize(tree);
        Assert.True(blob.Length < 64, $"{blob.Length} bytes");
        Assert.Equal(2, CallTreeCodec.Deserialize(blob).Frames.Count);
    }

    [Fact]
    public void Compression_round_trips_and_shrinks_repetitive_trees()
    {
        var tree = new CallTree();
        for (int i = 0; i < 2000; i++) tree.AddCpu($"System.Threading.ThreadPoolWorkQueue.Dispatch();App.Handler{i % 50}.Handle(Request);Leaf{i}", i);
        byte[] plain = CallTreeCodec.Serialize(tree);
        byte[] compressed = CallTreeCodec.Serialize(tree, compress: true);
        Assert.True(compressed.Length < plain.Length * 3 / 4, $"{compressed.Length} vs {plain.Length}");
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(CallTreeCodec.Deserialize(compressed)));
    }

    /// <summary>
    /// Stored profiles outlive the code that wrote them: the bytes of a known tree are pinned in a golden file, so any
    /// change of the format is seen (and needs a new version), and the golden bytes still decode to the same tree.
    /// </summary>
    [Fact]
    public void The_encoding_of_a_known_tree_is_pinned_byte_for_byte()
    {
        string golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "calltree-sample.expected.hex")).Trim();
        string actual = Convert.ToHexString(CallTreeCodec.Serialize(Sample()));
        Assert.True(golden == actual, $"encoding changed; now {actual}");
        Assert.Equal(TestTrees.Canonical(Sample()), TestTrees.Canonical(CallTreeCodec.Deserialize(Convert.FromHexString(golden))));
    }

    [Fact]
    public void Header_starts_with_magic_and_version()
    {
        byte[] blob = CallTreeCodec.Serialize(Sample());
        Assert.Equal("FPCT"u8.ToArray(), blob[..4]);
        // Without in-use values the version stays 1 (GaugeTests covers version 2).
        Assert.Equal(CallTreeCodec.CountersOnlyVersion, blob[4]);
    }

    [Fact]
    public void Random_bytes_are_rejected()
    {
        var random = new Random(1234);
        for (int i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length >= 4) "FPCT"u8.CopyTo(bytes);
            Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(bytes));
        }
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        foreach (bool compress in new[] { false, true })
        {
            byte[] blob = CallTreeCodec.Serialize(Sample(), compress);
            for (int length = 0; length < blob.Length; length++)
                Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(blob.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Every_single_bit_flip_is_rejected()
    {
        byte[] blob = CallTreeCodec.Serialize(Sample());
        for (int bit = 0; bit < blob.Length * 8; bit++)
        {
            byte[] copy = (byte[])blob.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(copy));
        }
    }

    /// <summary>Garbage that passes the checksum reaches the body parser: it must fail cleanly, never hang or over-allocate.</summary>
    [Fact]
    public void Garbage_body_with_a_valid_checksum_fails_cleanly()
    {
        var random = new Random(42);
        byte[] valid = CallTreeCodec.Serialize(Sample());
        int header = 6;
        while (valid[header] >= 0x80) header++;
        byte[] validBody = valid[(header + 1)..^4];
        int rejected = 0;
        for (int i = 0; i < 5000; i++)
        {
            byte[] body = new byte[random.Next(0, 120)];
            random.NextBytes(body);
            if (i % 3 == 0)   // mutate a real body instead: plausible structure, wrong details
            {
                body = (byte[])validBody.Clone();
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }
            byte[] blob = Frame(body, flags: 0);
            CallTree decoded;
            try { decoded = CallTreeCodec.Deserialize(blob); }
            catch (ProfileDataException) { rejected++; continue; }
            // What the parser accepts is a real tree: it encodes again and decodes to the same bytes.
            byte[] again = CallTreeCodec.Serialize(decoded);
            Assert.Equal(again, CallTreeCodec.Serialize(CallTreeCodec.Deserialize(again)));
        }
        Assert.True(rejected > 0, "no garbage body was rejected: the parser checks nothing");
    }

    [Fact]
    public void Huge_declared_counts_are_rejected_before_allocating()
    {
        // string count 2^31-ish in a tiny body
        byte[] body = [0xFF, 0xFF, 0xFF, 0xFF, 0x07];
        Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame(body, 0)));
        var limits = new CodecLimits(MaxNodes: 2);
        Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(CallTreeCodec.Serialize(Sample()), limits));
    }

    [Fact]
    public void Compressed_body_longer_than_declared_is_rejected()
    {
        var limits = new CodecLimits(MaxBodyBytes: 10);
        Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(CallTreeCodec.Serialize(Sample(), compress: true), limits));
    }

    [Fact]
    public void A_decompression_bomb_is_refused_before_its_body_is_allocated()
    {
        // 64 compressed bytes declaring a 400 MB body: deflate cannot expand them that far (at most ~1032:1).
        using var compressed = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            deflate.Write(new byte[4096]);
        var bomb = Frame(compressed.ToArray(), flags: 1, declaredLength: 400 * 1024 * 1024);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(bomb));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("inflate", e.Message);
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated to refuse the bomb");
    }

    [Fact]
    public void Compact_encoding_round_trips()
    {
        var tree = Sample();
        byte[] compact = CallTreeCodec.SerializeCompact(tree);
        Assert.Equal("FPCT"u8.ToArray(), compact[..4]);
        Assert.Equal(CallTreeCodec.CountersOnlyVersion, compact[4]);
        var decoded = CallTreeCodec.Deserialize(compact);
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(decoded));
        Assert.Equal(tree.Total, decoded.Total);
        Assert.Equal(tree.NodeCount, decoded.NodeCount);
    }

    [Fact]
    public void Compact_keeps_the_version_of_trees_with_gauges()
    {
        var tree = new CallTree();
        tree.Add([new Frame("app!Cache.Fill()")], new SampleValues(0, 0, 0, 0, 4096, 3));
        byte[] compact = CallTreeCodec.SerializeCompact(tree);
        Assert.Equal(CallTreeCodec.CurrentVersion, compact[4]);
        Assert.Equal(tree.Total, CallTreeCodec.Deserialize(compact).Total);
        Assert.Equal(compact, CallTreeCodec.Compact(CallTreeCodec.Serialize(tree)));
    }

    [Fact]
    public void Compacting_the_old_encodings_gives_the_compact_bytes_and_the_same_tree()
    {
        var tree = Repetitive();
        byte[] compact = CallTreeCodec.SerializeCompact(tree);
        foreach (bool deflate in new[] { false, true })
        {
            byte[] old = CallTreeCodec.Serialize(tree, deflate);
            Assert.Equal(compact, CallTreeCodec.Compact(old));
            Assert.Equal(TestTrees.Canonical(CallTreeCodec.Deserialize(old)), TestTrees.Canonical(CallTreeCodec.Deserialize(compact)));
        }
        // Already compact: returned as it is.
        Assert.Same(compact, CallTreeCodec.Compact(compact));
    }

    [Fact]
    public void Compact_encoding_is_much_smaller_than_plain_and_deflate()
    {
        var tree = Repetitive();
        int plain = CallTreeCodec.Serialize(tree).Length;
        int deflated = CallTreeCodec.Serialize(tree, compress: true).Length;
        byte[] bytes = CallTreeCodec.SerializeCompact(tree);
        Assert.Equal(2, bytes[5]);   // flags: Brotli
        int compact = bytes.Length;
        Assert.True(compact * 2 < plain, $"compact {compact} vs plain {plain}");
        Assert.True(compact < deflated, $"compact {compact} vs deflate {deflated}");
    }

    [Fact]
    public void A_body_that_does_not_compress_is_written_plain()
    {
        var tree = new CallTree();
        tree.Add([new Frame("a")], SampleValues.Cpu(1));   // a 13-byte body: Brotli's framing alone is larger
        byte[] compact = CallTreeCodec.SerializeCompact(tree);
        Assert.Equal(0, compact[5]);
        Assert.Equal(CallTreeCodec.Serialize(tree), compact);
    }

    [Fact]
    public void Compact_refuses_what_is_not_a_call_tree()
    {
        Assert.Throws<ProfileDataException>(() => CallTreeCodec.Compact([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
        byte[] corrupt = CallTreeCodec.Serialize(Sample());
        corrupt[8] ^= 0x40;
        Assert.Throws<ProfileDataException>(() => CallTreeCodec.Compact(corrupt));
        Assert.Throws<ArgumentNullException>(() => CallTreeCodec.Compact(null!));
        Assert.Throws<ArgumentNullException>(() => CallTreeCodec.SerializeCompact(null!));
    }

    /// <summary>A body that compresses past the decoder's ratio bound is stored plain, so that everything written decodes.</summary>
    [Fact]
    public void A_tree_that_compresses_beyond_the_bound_is_written_plain_and_still_decodes()
    {
        var tree = new CallTree();
        var chain = new int[200_000];
        Array.Fill(chain, tree.Frames.Intern("a"));
        tree.Add(chain, SampleValues.Cpu(1));
        byte[] compact = CallTreeCodec.SerializeCompact(tree);
        Assert.Equal(0, compact[5]);
        var decoded = CallTreeCodec.Deserialize(compact);
        Assert.Equal(tree.NodeCount, decoded.NodeCount);
        Assert.Equal(tree.Total, decoded.Total);
    }

    [Fact]
    public void Every_truncation_of_a_compact_tree_is_rejected()
    {
        byte[] blob = CallTreeCodec.SerializeCompact(Sample());
        for (int length = 0; length < blob.Length; length++)
            Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(blob.AsSpan(0, length)));
    }

    [Fact]
    public void A_brotli_body_shorter_longer_or_followed_by_garbage_is_rejected()
    {
        byte[] body = BodyOf(CallTreeCodec.Serialize(Sample()));
        byte[] brotli = Brotli(body);
        Assert.Equal(TestTrees.Canonical(Sample()), TestTrees.Canonical(CallTreeCodec.Deserialize(Frame(brotli, flags: 2, declaredLength: body.Length))));
        var shorter = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame(brotli, flags: 2, declaredLength: body.Length + 1)));
        Assert.Contains("shorter", shorter.Message);
        var longer = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame(brotli, flags: 2, declaredLength: body.Length - 1)));
        Assert.Contains("longer", longer.Message);
        var trailing = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame([.. brotli, 0x00, 0x01], flags: 2, declaredLength: body.Length)));
        Assert.Contains("Trailing", trailing.Message);
        var cut = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame(brotli[..^3], flags: 2, declaredLength: body.Length)));
        Assert.Contains("shorter", cut.Message);
        Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], flags: 2, declaredLength: body.Length)));
        // Both compression flags at once mean nothing.
        Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame(brotli, flags: 3, declaredLength: body.Length)));
        Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame(brotli, flags: 8, declaredLength: body.Length)));
    }

    [Fact]
    public void A_brotli_bomb_is_refused_before_its_body_is_allocated()
    {
        // 1 MiB of zeros compresses to a few bytes; declared as 400 MB it is past the ratio bound (1,032 per byte).
        byte[] compressed = Brotli(new byte[1024 * 1024]);
        var bomb = Frame(compressed, flags: 2, declaredLength: 400 * 1024 * 1024);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(bomb));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("inflate", e.Message);
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated to refuse the bomb");
        // Within the ratio, the body limit still applies.
        Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(CallTreeCodec.SerializeCompact(Sample()), new CodecLimits(MaxBodyBytes: 10)));
    }

    [Fact]
    public void The_ratio_bound_is_exact_at_its_edge()
    {
        byte[] body = BodyOf(CallTreeCodec.Serialize(Sample()));
        byte[] brotli = Brotli(body);
        long edge = (long)brotli.Length * CallTreeCodec.MaxDeflateRatio + 64;
        // One byte past the bound: refused as a bomb; at the bound: past the check (then refused as not matching the stream).
        var past = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame(brotli, flags: 2, declaredLength: (int)edge + 1)));
        Assert.Contains("inflate", past.Message);
        var at = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(Frame(brotli, flags: 2, declaredLength: (int)edge)));
        Assert.DoesNotContain("inflate", at.Message);
    }

    private static CallTree Repetitive()
    {
        var tree = new CallTree();
        for (int i = 0; i < 2000; i++) tree.AddCpu($"System.Threading.ThreadPoolWorkQueue.Dispatch();App.Handler{i % 50}.Handle(Request);Leaf{i}", i);
        return tree;
    }

    private static byte[] BodyOf(byte[] plain)
    {
        int header = 6;
        while (plain[header] >= 0x80) header++;
        return plain[(header + 1)..^4];
    }

    private static byte[] Brotli(byte[] data)
    {
        var buffer = new byte[System.IO.Compression.BrotliEncoder.GetMaxCompressedLength(data.Length)];
        Assert.True(System.IO.Compression.BrotliEncoder.TryCompress(data, buffer, out int written, 4, 22));
        return buffer[..written];
    }

    [Fact]
    public void Unknown_version_is_rejected()
    {
        byte[] blob = CallTreeCodec.Serialize(Sample());
        blob[4] = 99;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(blob.Length - 4), Crc(blob.AsSpan(0, blob.Length - 4)));
        var e = Assert.Throws<ProfileDataException>(() => CallTreeCodec.Deserialize(blob));
        Assert.Contains("version", e.Message);
    }

    /// <summary>Wraps a raw body in a valid header and checksum.</summary>
    private static byte[] Frame(byte[] body, byte flags, int? declaredLength = null)
    {
        var blob = new List<byte>("FPCT"u8.ToArray()) { CallTreeCodec.CurrentVersion, flags };
        uint length = (uint)(declaredLength ?? body.Length);
        while (length >= 0x80) { blob.Add((byte)(length | 0x80)); length >>= 7; }
        blob.Add((byte)length);
        blob.AddRange(body);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc(blob.ToArray()));
        blob.AddRange(crc);
        return blob.ToArray();
    }

    private static uint Crc(ReadOnlySpan<byte> data) => Crc32.Compute(data);
}
