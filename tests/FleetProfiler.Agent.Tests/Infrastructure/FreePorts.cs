using System.Net;
using System.Net.Sockets;

namespace FleetProfiler.Agent.Tests.Infrastructure;

public static class FreePorts
{
    private static readonly object Gate = new();
    private static readonly HashSet<int> Handed = [];

    /// <summary>Ports free on loopback now and not handed to another test of this run.</summary>
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
}
