using System.Net;
using System.Net.Sockets;

namespace FleetProfiler.Testing;

public static class FreePorts
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Handed = [];

    /// <summary>Ports free on loopback now and not handed out before in this process.</summary>
    public static int[] Take(int count)
    {
        lock (Gate)
        {
            var ports = new List<int>();
            while (ports.Count < count)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Handed.Add(port))
                {
                    ports.Add(port);
                }
            }
            return [.. ports];
        }
    }

    public static int Take() => Take(1)[0];
}
