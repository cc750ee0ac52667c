namespace FleetProfiler.Profiles;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected 0xEDB88320), as in zip and gzip: System.IO.Hashing's vectorised implementation.
/// A byte-at-a-time table took ~14 % of the silo's CPU under ingest (measured with our own agent).
/// </summary>
internal static class Crc32
{
    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);
}
