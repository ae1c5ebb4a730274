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

    /// <summary>Signers over the same keys as <see cref="For"/>, for one run alone: runs in parallel never queue on one signing lock. Dispose them after the run.</summary>
    public static EcdsaP256Signer[] OwnSigners(int count) => [.. Enumerable.Range(0, count).Select(i => EcdsaP256Signer.FromPrivateKey(Scalar(i)))];

    /// <summary>
    /// The validator keys of one run's genesis: each remembers the signatures it verified, so a vote is checked once
    /// however many certificates, view changes and sync chunks bring it back (the verdict is the same every time), and,
    /// through <see cref="PublicKey.RememberSignaturesOf"/>, the ones its own signer made. Per run: a run's signatures are
    /// its own (ECDSA is randomized), so a shared memo only made parallel runs queue on each other's tables.
    /// </summary>
    public static PublicKey[] OwnPublicKeys(int count) => [.. Enumerable.Range(0, count).Select(i => Cache.GetOrAdd(i, Derive).PublicKey.WithVerificationMemo(1 << 16))];

    private static EcdsaP256Signer Derive(int index) => EcdsaP256Signer.FromPrivateKey(Scalar(index));

    private static byte[] Scalar(int index)
    {
        byte[] d = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"aegis-sim-validator-{index}"));

        // Keep the scalar below the P-256 group order.
        d[0] &= 0x7F;
        return d;
    }
}
