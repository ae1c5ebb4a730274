using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus.Messages;

/// <summary>The primary of <see cref="View"/> proposes <see cref="Block"/> at <see cref="Height"/>.</summary>
public sealed record PrePrepare(ushort Sender, ulong View, ulong Height, Block Block) : ConsensusMessage(Sender)
{
    public override MessageType Type => MessageType.PrePrepare;

    public override ulong ViewNumber => View;

    public override byte[] SignedBytes(string chainId) => SignBytes.ForVote(VoteKind.PrePrepare, chainId, View, Height, Block.Hash);

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(View);
        w.WriteU64(Height);
        Block.WriteTo(w);
    }

    internal static PrePrepare ReadBody(ref CanonicalReader r, ushort sender) =>
        new(sender, r.ReadU64("preprepare.view"), r.ReadU64("preprepare.height"), Block.ReadFrom(ref r));
}
