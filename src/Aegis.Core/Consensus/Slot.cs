using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>Everything a replica knows about one height above its stable checkpoint.</summary>
internal sealed class Slot(ulong height)
{
    public ulong Height { get; } = height;

    /// <summary>The proposal accepted in <see cref="AcceptedView"/>, if any (cleared when the view changes).</summary>
    public Block? Block { get; set; }

    public ulong AcceptedView { get; set; }

    public byte[]? PrimarySignature { get; set; }

    public HashSet<Hash32>? TxSet { get; set; }

    /// <summary>A proposal for the current view that cannot be checked yet (its parent or state root is still missing).</summary>
    public PrePrepare? Buffered { get; set; }

    /// <summary>The tx-index answer <see cref="Buffered"/> arrived with, for checking it when it can be checked.</summary>
    public Mempool.TxHistory? BufferedHistory { get; set; }

    /// <summary>First proposal seen per view, to catch a primary that proposes twice.</summary>
    public Dictionary<ulong, PrePrepare> ProposalByView { get; } = [];

    /// <summary>PREPARE and COMMIT votes by (view, block hash), then by validator.</summary>
    public Dictionary<(ulong View, Hash32 Hash), Dictionary<ushort, byte[]>> Prepares { get; } = [];

    public Dictionary<(ulong View, Hash32 Hash), Dictionary<ushort, byte[]>> Commits { get; } = [];

    /// <summary>Each validator's first vote per (kind, view), to catch a validator that votes twice.</summary>
    public Dictionary<(MessageType Kind, ulong View, ushort Sender), Vote> VoteBySender { get; } = [];

    /// <summary>The highest-view prepared certificate this replica formed at this height.</summary>
    public PreparedCertificate? Prepared { get; set; }

    public CommitCertificate? Certificate { get; set; }

    public Block? CommittedBlock { get; set; }

    public bool HasAccepted(ulong view) => Block is not null && AcceptedView == view;

    public void ClearAcceptance()
    {
        Block = null;
        PrimarySignature = null;
        TxSet = null;
        Buffered = null;
        BufferedHistory = null;
    }

    /// <summary>Drops votes and proposals from views older than <paramref name="view"/>; certificates stay.</summary>
    public void ForgetViewsBefore(ulong view)
    {
        RemoveWhere(Prepares, k => k.View < view);
        RemoveWhere(Commits, k => k.View < view);
        RemoveWhere(VoteBySender, k => k.View < view);
        RemoveWhere(ProposalByView, v => v < view);
    }

    private static void RemoveWhere<TKey, TValue>(Dictionary<TKey, TValue> d, Func<TKey, bool> predicate)
        where TKey : notnull
    {
        foreach (TKey key in d.Keys.Where(predicate).ToList())
        {
            d.Remove(key);
        }
    }

    /// <summary>Any known block with this hash: accepted, prepared or buffered.</summary>
    public Block? FindBlock(Hash32 hash)
    {
        if (Block?.Hash == hash)
        {
            return Block;
        }

        if (Prepared?.Block.Hash == hash)
        {
            return Prepared.Block;
        }

        if (Buffered?.Block.Hash == hash)
        {
            return Buffered.Block;
        }

        foreach (PrePrepare pp in ProposalByView.Values)
        {
            if (pp.Block.Hash == hash)
            {
                return pp.Block;
            }
        }

        return null;
    }
}
