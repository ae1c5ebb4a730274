using Aegis.Core.Consensus;
using Aegis.Core.Crypto;

namespace Aegis.Core.Ledger;

/// <summary>
/// Checks a chain one committed block at a time, in height order, as it is read from a store, a backup or a peer:
/// heights follow each other from 1, each block extends the one before (block 1 extends the genesis hash), says the
/// truth about its own transactions, carries a certificate a quorum of the genesis validators signed, and holds no
/// transaction the chain already holds — ever, not only within a window. The simulator audits every node's durable
/// chain with it; an offline verifier can do the same over a store.
/// <para>
/// Cost: one set lookup and insert per transaction (32 bytes of memory each) plus the certificate's signatures per block.
/// </para>
/// </summary>
public sealed class ChainAudit
{
    private readonly Genesis _genesis;
    private readonly Func<Block, CommitCertificate, string?> _verifyCertificate;
    private readonly HashSet<Hash32> _seen = [];

    /// <param name="verifyCertificate">Checks a block's certificate; the genesis validator set's check unless given (the simulator shares one verification between nodes).</param>
    public ChainAudit(Genesis genesis, Func<Block, CommitCertificate, string?>? verifyCertificate = null)
    {
        _genesis = genesis;
        _verifyCertificate = verifyCertificate ?? ((block, certificate) => certificate.Verify(genesis.Validators, genesis.ChainId, block));
        TipHash = genesis.Hash;
    }

    /// <summary>Height of the last block appended (0 before the first).</summary>
    public ulong Height { get; private set; }

    /// <summary>Hash of the last block appended (the genesis hash before the first).</summary>
    public Hash32 TipHash { get; private set; }

    public int TransactionCount => _seen.Count;

    /// <summary>Whether the chain audited so far holds <paramref name="txHash"/>.</summary>
    public bool Contains(Hash32 txHash) => _seen.Contains(txHash);

    /// <summary>
    /// Whether <paramref name="block"/> may follow a chain whose tip is (<paramref name="height"/>, <paramref name="tipHash"/>):
    /// the next height, this chain, the hash link, what it says about its own transactions. The certificate is the
    /// caller's to check (a reader of many blocks checks a batch in parallel). Null when it may; else why not.
    /// </summary>
    public static string? CheckLink(Genesis genesis, ulong height, Hash32 tipHash, Block block)
    {
        if (block.Height != height + 1)
        {
            return block.Height > height + 1 ? $"block {height + 1} is missing (the next block is {block.Height})" : $"block {block.Height} appears again after {height}";
        }

        if (block.Header.ChainId != genesis.ChainId)
        {
            return $"the block is of chain '{block.Header.ChainId}', the genesis is of '{genesis.ChainId}'";
        }

        return block.Header.PreviousHash != tipHash
            ? $"previous hash {block.Header.PreviousHash.ToShortString()} is not the hash of block {height} ({tipHash.ToShortString()}): the hash chain is broken"
            : block.CheckIntegrity();
    }

    /// <summary>
    /// Audits a chain that begins above genesis (a store that joined by snapshot holds no blocks below its first): the
    /// next block must be <paramref name="height"/> + 1 and extend <paramref name="hash"/>. Only before the first
    /// <see cref="Append"/>. The duplicate-transaction check then covers the blocks audited from there on only.
    /// </summary>
    public void StartAfter(ulong height, Hash32 hash)
    {
        if (Height != 0)
        {
            throw new InvalidOperationException($"the audit is already at height {Height}");
        }

        Height = height;
        TipHash = height == 0 ? _genesis.Hash : hash;
    }

    /// <summary>Null when <paramref name="block"/> extends the audited chain, and then it becomes the tip; otherwise what is wrong, and nothing changes.</summary>
    public string? Append(Block block, CommitCertificate certificate)
    {
        string? problem = CheckLink(_genesis, Height, TipHash, block) ?? _verifyCertificate(block, certificate);
        if (problem is not null)
        {
            return problem;
        }

        foreach (Transaction tx in block.Transactions)
        {
            if (_seen.Contains(tx.Hash))
            {
                return $"transaction {tx.Hash.ToShortString()} is already in the chain below";
            }
        }

        foreach (Transaction tx in block.Transactions)
        {
            _seen.Add(tx.Hash);
        }

        Height = block.Height;
        TipHash = block.Hash;
        return null;
    }
}
