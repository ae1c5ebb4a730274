using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Core.Ledger;

/// <summary>One validator's signature inside a certificate.</summary>
public readonly record struct ValidatorSignature(ushort Validator, byte[] Signature);

/// <summary>
/// Proof that a block was committed: a quorum of COMMIT signatures, all from one view, over the block hash.
/// Anyone holding the genesis validator set can check it offline.
/// </summary>
public sealed record CommitCertificate(ulong Height, Hash32 BlockHash, ulong View, IReadOnlyList<ValidatorSignature> Signatures)
{
    public void WriteTo(CanonicalWriter w)
    {
        w.WriteU64(Height);
        w.WriteHash(BlockHash);
        w.WriteU64(View);
        SignatureList.Write(w, Signatures);
    }

    public static CommitCertificate ReadFrom(ref CanonicalReader r) =>
        new(r.ReadU64("certificate.height"), r.ReadHash("certificate.block_hash"), r.ReadU64("certificate.view"), SignatureList.Read(ref r, "certificate.signatures"));

    /// <summary>Exactly the length of <see cref="ToBytes"/>, without encoding.</summary>
    public int EncodedSize => sizeof(ulong) + Hash32.Size + sizeof(ulong) + SignatureList.EncodedSize(Signatures.Count);

    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(EncodedSize);
        WriteTo(w);
        return w.ToArray();
    }

    public static CommitCertificate FromBytes(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        CommitCertificate c = ReadFrom(ref r);
        r.EnsureEnd("certificate");
        return c;
    }

    /// <summary>Null when the certificate proves <paramref name="block"/> committed; otherwise what is wrong.</summary>
    public string? Verify(ValidatorSet validators, string chainId, Block block)
    {
        if (block.Height != Height)
        {
            return $"certificate is for height {Height}, block is at {block.Height}";
        }

        if (block.Hash != BlockHash)
        {
            return $"certificate is for block {BlockHash.ToShortString()}, block hashes to {block.Hash.ToShortString()}";
        }

        return Verify(validators, chainId);
    }

    /// <summary>Checks the signatures alone (distinct validators, a quorum, each signature valid).</summary>
    public string? Verify(ValidatorSet validators, string chainId)
    {
        byte[] message = SignBytes.ForVote(VoteKind.Commit, chainId, View, Height, BlockHash);
        return SignatureList.VerifyQuorum(Signatures, validators, message, "commit certificate");
    }
}
