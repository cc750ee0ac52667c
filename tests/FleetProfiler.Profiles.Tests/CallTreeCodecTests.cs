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
