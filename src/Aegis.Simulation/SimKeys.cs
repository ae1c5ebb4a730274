using System.Collections.Concurrent;
using System.Security.Cryptography;
using Aegis.Core.Crypto;

namespace Aegis.Simulation;

/// <summary>
/// Fixed P-256 validator keys derived from the replica index, so runs are reproducible and key generation is paid
/// once per process. (ECDSA signatures themselves are randomized; nothing the simulator decides depends on their bytes.)
/// </summary>
public static class SimKeys
{
    private static readonly ConcurrentDictionary<int, ISigner> Cache = new();

    public static ISigner[] For(int count) => [.. Enumerable.Range(0, count).Select(i => Cache.GetOrAdd(i, Derive))];

    private static EcdsaP256Signer Derive(int index)
    {
        byte[] d = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"aegis-sim-validator-{index}"));

        // Keep the scalar below the P-256 group order.
        d[0] &= 0x7F;
        return EcdsaP256Signer.FromPrivateKey(d);
    }
}
