using System.Runtime.InteropServices;

namespace FleetProfiler.Agent.Tests.Sessions;

public sealed class NativeHeapTests
{
    private const int Chunks = 16_384;
    private const int ChunkBytes = 4_000; // far below the mmap threshold: from the heap, as the runtime's small allocations

    [Fact]
    public void The_C_library_here_has_both_calls() =>
        Assert.True(NativeHeap.Supported); // this machine: glibc on Linux

    [Fact]
    public void Trim_gives_freed_heap_memory_back_that_free_alone_keeps()
    {
        // 64 MB of small blocks, every page touched; all freed but the last, which keeps the freed space from being
        // the top of the heap: glibc's free() then returns nothing to the OS by itself.
        var blocks = new IntPtr[Chunks];
        for (var i = 0; i < Chunks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(ChunkBytes);
            for (var offset = 0; offset + sizeof(long) <= ChunkBytes; offset += 512)
            {
                Marshal.WriteInt64(blocks[i], offset, i);
            }
        }
        try
        {
            for (var i = 0; i < Chunks - 1; i++)
            {
                Marshal.FreeHGlobal(blocks[i]);
            }
            var before = AnonBytes();

            Assert.True(NativeHeap.Trim());

            var released = before - AnonBytes();
            Assert.True(released > 32L << 20, $"malloc_trim released {released >> 20} MB of the ~62 MB freed");
        }
        finally
        {
            Marshal.FreeHGlobal(blocks[^1]);
        }
    }

    private static long AnonBytes()
    {
        var line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
