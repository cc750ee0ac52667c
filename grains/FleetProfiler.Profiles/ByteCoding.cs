namespace FleetProfiler.Profiles;

/// <summary>Growable little-endian byte buffer with LEB128 varints, for <see cref="CallTreeCodec"/>.</summary>
internal sealed class ByteWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;
    private readonly bool _pooled;

    public ByteWriter(int capacity = 256) => _buffer = new byte[Math.Max(capacity, 16)];

    private ByteWriter(byte[] rented)
    {
        _buffer = rented;
        _pooled = true;
    }

    /// <summary>
    /// A writer over buffers of the shared array pool, given back by <see cref="Dispose"/>: for a body that is copied
    /// out (framed, compressed) before it is dropped. A window's body is ~300 KB: allocated, it lands on the large object
    /// heap for every window.
    /// </summary>
    public static ByteWriter Rent(int capacity) => new(System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 16)));

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void WriteByte(byte b)
    {
        Ensure(1);
        _buffer[_length++] = b;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_length++] = (byte)value;
    }

    public void WriteSigned(long value) => WriteVarint((ulong)((value << 1) ^ (value >> 63)));

    public void WriteUInt32LittleEndian(uint value)
    {
        Ensure(4);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteUtf8(string s)
    {
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(s.Length);
        Ensure(max + 5);
        int n = System.Text.Encoding.UTF8.GetByteCount(s);
        WriteVarint((uint)n);
        _length += System.Text.Encoding.UTF8.GetBytes(s, _buffer.AsSpan(_length));
    }

    /// <summary>Gives a pooled buffer back; the writer is empty and unusable after.</summary>
    public void Dispose()
    {
        if (!_pooled || _buffer.Length == 0) return;
        System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length) return;
        if (_pooled && _buffer.Length == 0) throw new ObjectDisposedException(nameof(ByteWriter));
        long size = Math.Min(Math.Max((long)_buffer.Length * 2, (long)_length + more), Array.MaxLength);
        if (!_pooled)
        {
            Array.Resize(ref _buffer, (int)size);
            return;
        }
        var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent((int)size);
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}

/// <summary>Bounds-checked reader over untrusted bytes: every failure is a <see cref="ProfileDataException"/>.</summary>
internal ref struct ByteReader(ReadOnlySpan<byte> data)
{
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public byte ReadByte()
    {
        if (_position >= _data.Length) throw Truncated();
        return _data[_position++];
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = ReadByte();
            if (shift == 63 && b > 1) break;
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new ProfileDataException("Malformed varint.");
    }

    public long ReadSigned()
    {
        ulong v = ReadVarint();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    /// <summary>A varint that must be in [0, max].</summary>
    public int ReadInt(long max, string what)
    {
        ulong v = ReadVarint();
        if (v > (ulong)max) throw new ProfileDataException($"{what} {v} is out of range (max {max}).");
        return (int)v;
    }

    public ReadOnlySpan<byte> ReadBytes(int length)
    {
        if (length < 0 || length > Remaining) throw Truncated();
        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }

    public string ReadUtf8(int maxBytes)
    {
        int length = ReadInt(Math.Min(maxBytes, Remaining), "String length");
        try { return StrictUtf8.GetString(ReadBytes(length)); }
        catch (System.Text.DecoderFallbackException e) { throw new ProfileDataException("Invalid UTF-8 in string table.", e); }
    }

    private static ProfileDataException Truncated() => new("Unexpected end of data (truncated).");
}
