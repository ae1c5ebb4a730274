using Aegis.Core.Encoding;

namespace Aegis.Core.Consensus.Messages;

/// <summary>
/// Periodic unsigned hint: how far the sender has committed and which view it is in. It never changes consensus
/// state by itself; it only tells a lagging replica whom to ask for blocks (which carry their own certificates)
/// and tells a replica in a newer view to resend its NEW-VIEW.
/// </summary>
public sealed record StatusMessage(ushort Sender, ulong View, ulong CommittedHeight, bool InViewChange) : ConsensusMessage(Sender)
{
    public override MessageType Type => MessageType.Status;

    public override ulong ViewNumber => View;

    public override byte[] SignedBytes(string chainId) => [];

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(View);
        w.WriteU64(CommittedHeight);
        w.WriteBool(InViewChange);
    }

    internal static StatusMessage ReadBody(ref CanonicalReader r, ushort sender) =>
        new(sender, r.ReadU64("status.view"), r.ReadU64("status.committed_height"), r.ReadBool("status.in_view_change"));
}
