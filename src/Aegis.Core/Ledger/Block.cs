using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Core.Ledger;

/// <summary>A header and the transactions its <see cref="BlockHeader.TxRoot"/> commits to. Immutable.</summary>
public sealed class Block
{
    private byte[]? _encoded;

    public Block(BlockHeader header, IReadOnlyList<Transaction> transactions)
    {
        Header = header;
        Transactions = transactions;
    }

    public BlockHeader Header { get; }

    public IReadOnlyList<Transaction> Transactions { get; }

    public Hash32 Hash => Header.Hash;

    public ulong Height => Header.Height;

    public int EncodedSize => Encoded.Length;

    private byte[] Encoded => _encoded ??= Encode();

    public static Hash32 ComputeTxRoot(IReadOnlyList<Transaction> txs)
    {
        var leaves = new Hash32[txs.Count];
        for (int i = 0; i < leaves.Length; i++)
        {
            leaves[i] = txs[i].Hash;
        }

        return MerkleTree.ComputeRoot(leaves);
    }

    /// <summary>Checks what the block says about itself (tx count, tx root, no duplicate tx); null when consistent.</summary>
    public string? CheckIntegrity()
    {
        if (Header.TxCount != Transactions.Count)
        {
            return $"header.tx_count is {Header.TxCount} but the block has {Transactions.Count} transactions";
        }

        if (ComputeTxRoot(Transactions) != Header.TxRoot)
        {
            return "header.tx_root does not match the transactions";
        }

        var seen = new HashSet<Hash32>();
        foreach (Transaction tx in Transactions)
        {
            if (!seen.Add(tx.Hash))
            {
                return $"transaction {tx.Hash.ToShortString()} appears twice";
            }
        }

        return null;
    }

    public void WriteTo(CanonicalWriter w) => w.WriteFixed(Encoded);

    public byte[] ToBytes() => (byte[])Encoded.Clone();

    private byte[] Encode()
    {
        var w = new CanonicalWriter(256 + (Transactions.Count * 64));
        Header.WriteTo(w);
        w.WriteU32((uint)Transactions.Count);
        foreach (Transaction tx in Transactions)
        {
            tx.WriteTo(w);
        }

        return w.ToArray();
    }

    public static Block ReadFrom(ref CanonicalReader r)
    {
        int start = r.Position;
        BlockHeader header = BlockHeader.ReadFrom(ref r);
        int count = r.ReadCount("block.tx_count", LedgerLimits.MaxBlockTxs);
        if (count != header.TxCount)
        {
            throw new CodecException($"block.tx_count: header says {header.TxCount}, body has {count}");
        }

        var txs = new Transaction[count];
        for (int i = 0; i < count; i++)
        {
            txs[i] = Transaction.ReadFrom(ref r);
            if (r.Position - start > LedgerLimits.MaxBlockBytes)
            {
                throw new CodecException($"block: exceeds the limit of {LedgerLimits.MaxBlockBytes} bytes");
            }
        }

        return new Block(header, txs);
    }

    public static Block FromBytes(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        Block block = ReadFrom(ref r);
        r.EnsureEnd("block");
        return block;
    }
}
