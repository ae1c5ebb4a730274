using Aegis.Core.Consensus;
using Aegis.Core.Ledger;
using Aegis.Storage;

namespace Aegis.Node.Api;

internal static class BlockJson
{
    public static BlockResponse From(StoredBlock stored, ValidatorSet validators)
    {
        Block b = stored.Block;
        BlockHeader h = b.Header;
        CommitCertificate c = stored.Certificate;
        string Name(int index) => validators.Contains(index) ? validators[index].Id : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new BlockResponse(
            b.Height,
            b.Hash.ToString(),
            new HeaderJson(h.ChainId, h.Height, h.View, h.PreviousHash.ToString(), h.TxRoot.ToString(), h.StateRoot.ToString(), Name(h.Proposer), h.TimestampMs, h.TxCount),
            [.. b.Transactions.Select(TxRequests.ToJson)],
            new CertificateJson(c.Height, c.BlockHash.ToString(), c.View, [.. c.Signatures.Select(s => new SignatureJson(Name(s.Validator), Convert.ToBase64String(s.Signature)))]),
            stored.StateRootAfter.ToString());
    }
}
