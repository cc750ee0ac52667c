namespace FleetProfiler.Agent.Benchmarks.Infrastructure;

/// <summary>Reads of /proc for processes this benchmark started.</summary>
public static class ProcFs
{
    /// <summary>User + system CPU seconds of a live process (utime + stime of /proc/PID/stat); NaN when it is gone.</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // fields 14 and 15: utime, stime
            return ticks / (double)Libc.ClockTicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    /// <summary>CPU seconds the whole machine has been busy (all cores: /proc/stat user+nice+system+irq+softirq+steal).</summary>
    public static double MachineBusySeconds()
    {
        var first = File.ReadLines("/proc/stat").First();
        var f = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
        return busy / (double)Libc.ClockTicksPerSecond;
    }

    /// <summary>A "kB" field of /proc/PID/status (VmHWM, VmRSS) in bytes; 0 when the process or field is gone.</summary>
    public static long StatusBytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal) && line.Length > field.Length && line[field.Length] == ':')
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.TryParse(parts[1], out var kb) ? kb * 1024 : 0;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return 0;
    }

    /// <summary>
    /// CPU seconds (to the nanosecond: the first field of /proc/PID/task/TID/schedstat) of each live thread of
    /// <paramref name="pid"/> whose name (comm, at most 15 characters) is in <paramref name="names"/>, by thread id.
    /// </summary>
    public static Dictionary<int, (string Name, double CpuSeconds)> ThreadCpuSeconds(int pid, IReadOnlySet<string> names)
    {
        var threads = new Dictionary<int, (string, double)>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                    if (names.Contains(name) && int.TryParse(Path.GetFileName(task), out var tid))
                    {
                        var ns = long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                        threads[tid] = (name, ns / 1e9);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    // The thread exited between listing and reading.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return threads;
    }

    /// <summary>Threads of <paramref name="pid"/> whose name (comm, at most 15 characters) is <paramref name="name"/>.</summary>
    public static int CountThreads(int pid, string name)
    {
        var count = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == name)
                    {
                        count++;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The thread exited between listing and reading.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return count;
    }
}
