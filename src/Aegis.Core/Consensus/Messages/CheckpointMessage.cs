using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus.Messages;

/// <summary>After executing a checkpoint height, a replica announces the block hash and the state root it reached.</summary>
public sealed record CheckpointMessage(ushort Sender, ulong Height, Hash32 BlockHash, Hash32 StateRoot) : ConsensusMessage(Sender)
{
    public override MessageType Type => MessageType.Checkpoint;

    public override ulong ViewNumber => 0;

    public override byte[] SignedBytes(string chainId) => SignBytes.ForCheckpoint(chainId, Height, BlockHash, StateRoot);

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(Height);
        w.WriteHash(BlockHash);
        w.WriteHash(StateRoot);
    }

    internal static CheckpointMessage ReadBody(ref CanonicalReader r, ushort sender) =>
        new(sender, r.ReadU64("checkpoint.height"), r.ReadHash("checkpoint.block_hash"), r.ReadHash("checkpoint.state_root"));
}
