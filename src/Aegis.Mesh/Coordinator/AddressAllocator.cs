using System.Buffers.Binary;
using Aegis.Core.Crypto;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Coordinator;

/// <summary>
/// Picks a mesh address for a node whose certificate has none. The first choice is derived from the certificate's
/// fingerprint, so independent coordinators pick the same address for the same node; taken addresses are skipped by
/// probing onward, so two nodes never share one. The network and broadcast addresses are never handed out.
/// </summary>
public static class AddressAllocator
{
    /// <summary>The address for <paramref name="fingerprint"/>, or null when every host address of the network is taken.</summary>
    public static uint? Allocate(IPv4Network network, Hash32 fingerprint, Func<uint, bool> isTaken)
    {
        IPv4Network net = network.Network;
        ulong hosts = net.PrefixLength >= 31 ? 0 : (1UL << (32 - net.PrefixLength)) - 2;
        if (hosts == 0)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[Hash32.Size];
        fingerprint.CopyTo(bytes);
        ulong start = BinaryPrimitives.ReadUInt64BigEndian(bytes) % hosts;
        for (ulong i = 0; i < hosts; i++)
        {
            uint candidate = net.NetworkAddress + 1 + (uint)((start + i) % hosts);
            if (!isTaken(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
