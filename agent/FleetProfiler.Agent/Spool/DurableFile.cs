using System.Runtime.InteropServices;

namespace FleetProfiler.Agent.Spool;

/// <summary>
/// Crash-safe file replacement: write a temporary file beside the target, fsync it, rename it over the target
/// (atomic on POSIX file systems), then fsync the directory so the rename itself survives a power loss.
/// A reader therefore sees the old content or the new, never a torn file.
/// </summary>
public static class DurableFile
{
    public const string TempSuffix = ".tmp";

    public static void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + TempSuffix;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync(2) on the directory: .NET cannot open a directory as a stream, so libc is called directly.</summary>
    public static unsafe void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() || Libc.Fsync == null)
        {
            return;
        }
        {
            var path = Marshal.StringToCoTaskMemUTF8(directory);
            try
            {
                var fd = Libc.Open((byte*)path, 0 /* O_RDONLY */);
                if (fd < 0)
                {
                    return;
                }
                Libc.Fsync(fd);
                Libc.Close(fd);
            }
            finally
            {
                Marshal.FreeCoTaskMem(path);
            }
        }
    }

    private static unsafe class Libc
    {
        public static readonly delegate* unmanaged<byte*, int, int> Open;
        public static readonly delegate* unmanaged<int, int> Fsync;
        public static readonly delegate* unmanaged<int, int> Close;

        static Libc()
        {
            foreach (var library in new[] { "libc.so.6", "libc" })
            {
                if (NativeLibrary.TryLoad(library, typeof(Libc).Assembly, null, out var handle)
                    && NativeLibrary.TryGetExport(handle, "open", out var open)
                    && NativeLibrary.TryGetExport(handle, "fsync", out var fsync)
                    && NativeLibrary.TryGetExport(handle, "close", out var close))
                {
                    Open = (delegate* unmanaged<byte*, int, int>)open;
                    Fsync = (delegate* unmanaged<int, int>)fsync;
                    Close = (delegate* unmanaged<int, int>)close;
                    return;
                }
            }
        }
    }
}
