using Aegis.Core.Consensus;
using Aegis.Core.Encoding;

namespace Aegis.Core.Ledger;

/// <summary>A block with the certificate that proves it committed: the unit of storage, sync and backup.</summary>
public sealed record CommittedBlock(Block Block, CommitCertificate Certificate)
{
    public ulong Height => Block.Height;

    public void WriteTo(CanonicalWriter w)
    {
        Block.WriteTo(w);
        Certificate.WriteTo(w);
    }

    public static CommittedBlock ReadFrom(ref CanonicalReader r) => new(Block.ReadFrom(ref r), CommitCertificate.ReadFrom(ref r));

    /// <summary>Null when the certificate proves this block; otherwise what is wrong.</summary>
    public string? Verify(ValidatorSet validators, string chainId)
    {
        string? integrity = Block.CheckIntegrity();
        return integrity is not null ? $"block {Height}: {integrity}" : Certificate.Verify(validators, chainId, Block);
    }
}
