using System.Net;
using System.Net.Sockets;

namespace Aegis.Content.Tests.Support;

/// <summary>A testnet base port whose p2p/api/metrics ports (base + 10i + 0..2) are all free right now, picked at random.</summary>
public static class FreePorts
{
    public static int TestnetBase(int nodes)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            // Below Linux's ephemeral range (32768+), so no outgoing connection already holds one of them.
            int basePort = 20000 + (Random.Shared.Next(0, 1200) * 10);
            if (Enumerable.Range(0, nodes).SelectMany(i => new[] { basePort + (10 * i), basePort + (10 * i) + 1, basePort + (10 * i) + 2 }).All(IsFree))
            {
                return basePort;
            }
        }

        throw new InvalidOperationException("no free port range for a testnet");
    }

    /// <summary>One free loopback port (for nginx and similar).</summary>
    public static int One()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
