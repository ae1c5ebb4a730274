using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>
/// A stable checkpoint: a quorum agrees that after height <see cref="Height"/> (block <see cref="BlockHash"/>) the
/// state root is <see cref="StateRoot"/>. Height 0 is the genesis checkpoint and needs no signatures.
/// </summary>
public sealed record CheckpointCertificate(ulong Height, Hash32 BlockHash, Hash32 StateRoot, IReadOnlyList<ValidatorSignature> Signatures)
{
    public static CheckpointCertificate Genesis(Hash32 genesisHash) => new(0, genesisHash, State.BlockExecutor.GenesisStateRoot, []);

    public void WriteTo(CanonicalWriter w)
    {
        w.WriteU64(Height);
        w.WriteHash(BlockHash);
        w.WriteHash(StateRoot);
        SignatureList.Write(w, Signatures);
    }

    public static CheckpointCertificate ReadFrom(ref CanonicalReader r) => new(
        r.ReadU64("checkpoint_cert.height"),
        r.ReadHash("checkpoint_cert.block_hash"),
        r.ReadHash("checkpoint_cert.state_root"),
        SignatureList.Read(ref r, "checkpoint_cert.signatures"));

    public string? Verify(ValidatorSet validators, string chainId, Hash32 genesisHash)
    {
        if (Height == 0)
        {
            return BlockHash == genesisHash && StateRoot == State.BlockExecutor.GenesisStateRoot && Signatures.Count == 0
                ? null
                : "checkpoint certificate at height 0 is not the genesis checkpoint";
        }

        return SignatureList.VerifyQuorum(Signatures, validators, SignBytes.ForCheckpoint(chainId, Height, BlockHash, StateRoot), $"checkpoint certificate at height {Height}");
    }
}
