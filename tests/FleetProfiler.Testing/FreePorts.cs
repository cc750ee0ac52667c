using System.Net;
using System.Net.Sockets;

namespace FleetProfiler.Testing;

/// <summary>
/// Ports for the processes a test starts (silos, gateways, demo services). They are drawn at random from below the
/// kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range): a port asked of the kernel (bind to 0) comes
/// from that range, which is also where every outgoing connection of the test run takes its local port, so between
/// handing such a port out and the child binding it, some HTTP, gRPC or PostgreSQL connection could take it (a CI run
/// failed so: "Address already in use" for a silo's gateway port). Below the range, only listeners compete.
/// </summary>
public static class FreePorts
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Handed = [];
    private static readonly (int Low, int High)? Range = Pick();

    /// <summary>Ports free on this machine now and not handed out before in this process.</summary>
    public static int[] Take(int count)
    {
        lock (Gate)
        {
            var ports = new List<int>();
            var attempts = 0;
            while (ports.Count < count)
            {
                var port = Range is var (low, high) && ++attempts < 10_000 ? Random.Shared.Next(low, high) : KernelPort();
                if (!Handed.Contains(port) && IsFree(port))
                {
                    Handed.Add(port);
                    ports.Add(port);
                }
            }
            return [.. ports];
        }
    }

    public static int Take() => Take(1)[0];

    /// <summary>The 16,384 ports below the ephemeral range (at least 10,000), or null when the range is unknown.</summary>
    private static (int, int)? Pick()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var ephemeralLow = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            var low = Math.Max(10_000, ephemeralLow - 16_384);
            return ephemeralLow - low >= 1_000 ? (low, ephemeralLow) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            // On every address: a listener on loopback or on any address makes the port unusable for the child.
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int KernelPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
