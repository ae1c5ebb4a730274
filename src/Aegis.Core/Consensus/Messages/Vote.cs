using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus.Messages;

/// <summary>PREPARE or COMMIT: a validator's vote for block <see cref="BlockHash"/> at (view, height).</summary>
public sealed record Vote(ushort Sender, MessageType Kind, ulong View, ulong Height, Hash32 BlockHash) : ConsensusMessage(Sender)
{
    public override MessageType Type => Kind;

    public override ulong ViewNumber => View;

    public VoteKind SignKind => Kind == MessageType.Prepare ? VoteKind.Prepare : VoteKind.Commit;

    public override byte[] SignedBytes(string chainId) => SignBytes.ForVote(SignKind, chainId, View, Height, BlockHash);

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(View);
        w.WriteU64(Height);
        w.WriteHash(BlockHash);
    }

    internal static Vote ReadBody(ref CanonicalReader r, ushort sender, MessageType kind) =>
        new(sender, kind, r.ReadU64("vote.view"), r.ReadU64("vote.height"), r.ReadHash("vote.block_hash"));
}
