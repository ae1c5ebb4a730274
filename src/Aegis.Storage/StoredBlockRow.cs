using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Storage;

/// <summary>
/// Decodes a block row (both engines and the memory store) and checks it against its own certified hash before anyone
/// sees it: the block must hash to the <c>hash</c> column it was stored under, its certificate must be for that height
/// and hash, and its header must tell the truth about its transactions (count, tx root). So no reader (API, sync sent to
/// a peer, recovery, backup, verify) can be handed an altered block under its original hash.
/// <para>
/// What it does not check: the certificate's signatures (a quorum of ECDSA verifications, ~180 µs a block here; the
/// start-time check and <c>aegis verify</c> do, and a peer verifies every block it syncs) and the link to the block
/// below (the start-time check walks the recent chain). Cost: the header hash and the tx root, one SHA-256 per
/// transaction — the decode already touches every byte.
/// </para>
/// </summary>
public static class StoredBlockRow
{
    /// <summary>The columns every block read selects, in the order <see cref="Decode"/> takes them.</summary>
    internal const string Columns = "height, block, certificate, state_root, hash";

    /// <exception cref="StoreCorruptException">the row does not decode, or does not match its hash.</exception>
    public static StoredBlock Decode(ulong height, byte[] block, byte[] certificate, byte[] stateRoot, byte[] hash)
    {
        StoredBlock stored;
        try
        {
            stored = new StoredBlock(Block.FromBytes(block), CommitCertificate.FromBytes(certificate), new Hash32(stateRoot));
        }
        catch (Exception ex) when (ex is CodecException or ArgumentException)
        {
            throw new StoreCorruptException(height, $"does not decode ({ex.Message})", ex);
        }

        if (Problem(height, stored, hash) is { } problem)
        {
            throw new StoreCorruptException(height, problem);
        }

        return stored;
    }

    /// <summary>Null when the decoded row is the block it was stored as; else what differs.</summary>
    public static string? Problem(ulong height, StoredBlock stored, ReadOnlySpan<byte> storedHash)
    {
        Hash32 actual = stored.Block.Hash;
        if (storedHash.Length != Hash32.Size || new Hash32(storedHash) != actual)
        {
            return $"hashes to {actual.ToShortString()}, but was stored as {Convert.ToHexStringLower(storedHash[..Math.Min(storedHash.Length, 4)])}";
        }

        if (stored.Block.Height != height)
        {
            return $"says it is block {stored.Block.Height}";
        }

        if (stored.Certificate.Height != height || stored.Certificate.BlockHash != actual)
        {
            return $"has a certificate for block {stored.Certificate.BlockHash.ToShortString()} at height {stored.Certificate.Height}, but hashes to {actual.ToShortString()}";
        }

        return stored.Block.CheckIntegrity() is { } integrity ? $"does not match its certified hash: {integrity}" : null;
    }
}
