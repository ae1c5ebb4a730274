using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using BenchmarkDotNet.Attributes;

namespace Aegis.Benchmarks;

/// <summary>The canonical codec and the Merkle root on a full 2000-transaction block of 100-byte values.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private BlockHeader _header = null!;
    private (byte[] Key, byte[] Value)[] _fields = [];
    private byte[] _encoded = [];
    private Hash32[] _txHashes = [];

    [GlobalSetup]
    public void Setup()
    {
        Transaction[] txs = [.. Enumerable.Range(0, 2000).Select(i => Transaction.Put($"key-{i}", new string('v', 100)))];
        _header = new BlockHeader("bench", 1, 0, Hash32.Zero, Block.ComputeTxRoot(txs), Hash32.Zero, 0, 0, (uint)txs.Length);
        _fields = [.. txs.Select(t => (t.Key.ToArray(), t.Value.ToArray()))];
        _encoded = new Block(_header, txs).ToBytes();
        _txHashes = [.. txs.Select(t => t.Hash)];
        if (!Encode().AsSpan().SequenceEqual(_encoded))
        {
            throw new InvalidOperationException("Encode builds a different block than the one Decode reads");
        }
    }

    /// <remarks>
    /// Blocks and transactions cache their encoding, so each run needs fresh objects. <see cref="Transaction.Create"/> only
    /// checks bounds and keeps the arrays it is given, so the run is the block encoding plus 2000 small allocations.
    /// </remarks>
    [Benchmark(Description = "encode block (2000 txs)")]
    public byte[] Encode()
    {
        var txs = new Transaction[_fields.Length];
        for (int i = 0; i < txs.Length; i++)
        {
            txs[i] = Transaction.Create(TxOp.Put, _fields[i].Key, _fields[i].Value, []);
        }

        return new Block(_header, txs).ToBytes();
    }

    [Benchmark(Description = "decode block (2000 txs)")]
    public Block Decode() => Block.FromBytes(_encoded);

    [Benchmark(Description = "Merkle root (2000 leaves)")]
    public Hash32 MerkleRoot() => MerkleTree.ComputeRoot(_txHashes);
}
