using Aegis.Content.Cids;
using Aegis.Content.Pinning;
using Aegis.Content.Storage;
using Aegis.Core.Ledger;
using Aegis.Storage;

namespace Aegis.Content.Ledger;

/// <summary>
/// Pins through the ledger: <see cref="SubmitAsync"/> turns an API pin into a pin transaction; <see cref="ApplyAsync"/>
/// (driven by a block follower) records committed pins and unpins on this node and hands new roots to the
/// <see cref="Replicator"/>, which fetches blocks this node lacks from the peers.
/// </summary>
public sealed class LedgerPins(ILedgerGateway ledger, ContentStore store, Replicator replicator) : IPinLedger
{
    public const string HeightKey = "ledger_height";

    public async ValueTask<string?> SubmitAsync(Cid cid, bool pin, CancellationToken ct)
    {
        Transaction tx = Transaction.Create(pin ? TxOp.ContentPin : TxOp.ContentUnpin, cid.ToV1().ToBytes(), [], []);
        return await ledger.SubmitAsync(tx, ct).ConfigureAwait(false);
    }

    public async Task<ulong> LoadHeightAsync(CancellationToken ct) =>
        ulong.TryParse(await store.GetMetaAsync(HeightKey, ct).ConfigureAwait(false), out ulong h) ? h : 0;

    public async Task ApplyAsync(StoredBlock block, CancellationToken ct)
    {
        var changes = new List<(Cid Cid, bool Pin)>();
        foreach (Transaction tx in block.Block.Transactions)
        {
            if (tx.Op is TxOp.ContentPin or TxOp.ContentUnpin && Cid.TryFromBytes(tx.Key, out Cid? cid, out _))
            {
                changes.Add((cid!, tx.Op == TxOp.ContentPin));
            }
        }

        await store.ApplyLedgerPinsAsync(block.Height, changes, HeightKey, ct).ConfigureAwait(false);
        foreach ((Cid cid, bool pin) in changes)
        {
            if (pin)
            {
                replicator.Enqueue(cid);
            }
        }
    }
}
