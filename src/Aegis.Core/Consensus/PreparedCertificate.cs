using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>
/// Proof that <see cref="Block"/> was prepared at (view, height): the primary's PRE-PREPARE signature plus PREPARE
/// signatures from a quorum minus one other validators. View changes carry these so no prepared block is lost.
/// </summary>
public sealed record PreparedCertificate(ulong View, ulong Height, Block Block, byte[] PrimarySignature, IReadOnlyList<ValidatorSignature> Prepares)
{
    public void WriteTo(CanonicalWriter w)
    {
        w.WriteU64(View);
        w.WriteU64(Height);
        Block.WriteTo(w);
        w.WriteFixed(PrimarySignature);
        SignatureList.Write(w, Prepares);
    }

    public static PreparedCertificate ReadFrom(ref CanonicalReader r) => new(
        r.ReadU64("prepared.view"),
        r.ReadU64("prepared.height"),
        Block.ReadFrom(ref r),
        r.ReadFixed(Crypto.Signature.Size, "prepared.primary_signature").ToArray(),
        SignatureList.Read(ref r, "prepared.prepares"));

    /// <summary>Null when valid; otherwise what is wrong.</summary>
    public string? Verify(ValidatorSet validators, string chainId)
    {
        if (Block.Height != Height)
        {
            return $"prepared certificate for height {Height} carries a block at height {Block.Height}";
        }

        string? integrity = Block.CheckIntegrity();
        if (integrity is not null)
        {
            return "prepared certificate block: " + integrity;
        }

        int primary = validators.PrimaryOf(View);
        if (!validators[primary].PublicKey.Verify(SignBytes.ForVote(VoteKind.PrePrepare, chainId, View, Height, Block.Hash), PrimarySignature))
        {
            return $"prepared certificate at height {Height} has an invalid pre-prepare signature";
        }

        foreach (ValidatorSignature s in Prepares)
        {
            if (s.Validator == primary)
            {
                return $"prepared certificate at height {Height} counts the primary's prepare";
            }
        }

        byte[] message = SignBytes.ForVote(VoteKind.Prepare, chainId, View, Height, Block.Hash);
        return SignatureList.VerifyQuorum(Prepares, validators, message, $"prepared certificate at height {Height}", validators.Quorum.Size - 1);
    }
}
