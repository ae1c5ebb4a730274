using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Core.Ledger;

/// <summary>What a validator signs for each kind of vote.</summary>
public enum VoteKind : byte
{
    PrePrepare = 1,
    Prepare = 2,
    Commit = 3,
    Checkpoint = 4,
    ViewChange = 5,
    NewView = 6,
}

/// <summary>
/// Domain-separated bytes for every signature in the protocol. A signature for one kind, chain, view or height can
/// never be replayed as another, and a commit certificate can be checked offline with nothing but the genesis file.
/// </summary>
public static class SignBytes
{
    private static readonly byte[] Domain = "AEGIS/v1"u8.ToArray();

    /// <summary>Votes on a block: PRE-PREPARE, PREPARE and COMMIT all sign (kind, chain, view, height, block hash).</summary>
    public static byte[] ForVote(VoteKind kind, string chainId, ulong view, ulong height, Hash32 blockHash)
    {
        var w = new CanonicalWriter(96);
        w.WriteFixed(Domain);
        w.WriteU8((byte)kind);
        w.WriteString8(chainId);
        w.WriteU64(view);
        w.WriteU64(height);
        w.WriteHash(blockHash);
        return w.ToArray();
    }

    /// <summary>A checkpoint binds a height to both its block hash and the state root after executing it.</summary>
    public static byte[] ForCheckpoint(string chainId, ulong height, Hash32 blockHash, Hash32 stateRoot)
    {
        var w = new CanonicalWriter(128);
        w.WriteFixed(Domain);
        w.WriteU8((byte)VoteKind.Checkpoint);
        w.WriteString8(chainId);
        w.WriteU64(height);
        w.WriteHash(blockHash);
        w.WriteHash(stateRoot);
        return w.ToArray();
    }

    /// <summary>View-change and new-view messages are large; they sign the digest of their canonical body.</summary>
    public static byte[] ForDigest(VoteKind kind, string chainId, ulong view, Hash32 bodyDigest)
    {
        var w = new CanonicalWriter(96);
        w.WriteFixed(Domain);
        w.WriteU8((byte)kind);
        w.WriteString8(chainId);
        w.WriteU64(view);
        w.WriteHash(bodyDigest);
        return w.ToArray();
    }
}
